package io.github.bpf4j.maven;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Skeletons through the library's generator, regenerated only when the object or the settings change. */
class SkeletonsTest {
    @TempDir
    Path tmp;

    private Path object() throws Exception {
        Path include = tmp.resolve("include");
        IncludeDir.syncHeaders(include);
        Path src = tmp.resolve("xdp_count.bpf.c");
        Files.write(src, String.join("\n",
                "#include <linux/bpf.h>",
                "#include <bpf/bpf_helpers.h>",
                "struct stats { __u64 packets; __u32 last_len; };",
                "struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32);",
                "         __type(value, struct stats); } stats SEC(\".maps\");",
                "const volatile __u32 min_len = 0;",
                "SEC(\"xdp\") int count(struct xdp_md *ctx) {",
                "    __u32 k = 0; struct stats *s = bpf_map_lookup_elem(&stats, &k);",
                "    if (s && ctx->data_end - ctx->data >= min_len) { s->packets++; s->last_len = ctx->data_end - ctx->data; }",
                "    return XDP_PASS;",
                "}",
                "char LICENSE[] SEC(\"license\") = \"GPL\";", "").getBytes(StandardCharsets.UTF_8));
        Path obj = tmp.resolve("res/com/example/xdp_count.bpf.o");
        new BpfCompiler(ClangTest.realClang(), Collections.singletonList(include), null, tmp.resolve("deps"))
                .compile(src, TargetArch.X86, obj);
        return obj;
    }

    @Test
    void generatesOnceThenOnlyWhenTheObjectOrPackageChanges() throws Exception {
        Path obj = object();
        Path out = tmp.resolve("gen");
        Skeletons s = new Skeletons(out, tmp.resolve("state"));
        List<String> none = Collections.emptyList();
        assertTrue(s.generate(obj, "com.example", null, none));
        Path skeleton = out.resolve("com/example/XdpCount.java");
        Path stats = out.resolve("com/example/Stats.java");
        assertTrue(Files.isRegularFile(skeleton) && Files.isRegularFile(stats));
        assertFalse(s.generate(obj, "com.example", null, none), "object unchanged");

        Files.setLastModifiedTime(obj, FileTime.fromMillis(Files.getLastModifiedTime(obj).toMillis() + 60_000));
        assertTrue(s.generate(obj, "com.example", null, none), "object rebuilt");

        assertTrue(s.generate(obj, "com.example.other", null, none), "package changed");
        assertTrue(Files.isRegularFile(out.resolve("com/example/other/XdpCount.java")));
        assertFalse(Files.exists(skeleton), "the old package's files are removed");

        assertTrue(s.generate(obj, "com.example", "XdpCountX86", none), "a per-CPU class name");
        assertTrue(Files.isRegularFile(out.resolve("com/example/XdpCountX86.java")));

        s.removeOthers(Collections.<Path>emptyList());
        assertFalse(Files.exists(out.resolve("com/example/XdpCountX86.java")), "its source is gone");
    }

    @Test
    void anUnknownExtraTypeFailsTheBuildWithTheGeneratorsReason() throws Exception {
        Path obj = object();
        Skeletons s = new Skeletons(tmp.resolve("gen"), tmp.resolve("state"));
        BpfBuildException e = assertThrows(BpfBuildException.class,
                () -> s.generate(obj, "com.example", null, Arrays.asList("no_such_struct")));
        assertTrue(e.getMessage().contains("no_such_struct"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot generate the Java skeleton of " + obj), e.getMessage());
    }
}
