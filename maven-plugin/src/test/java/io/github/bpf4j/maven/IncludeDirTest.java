package io.github.bpf4j.maven;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The headers from the bpf4j jar, as the plugin lays them out for clang. */
class IncludeDirTest {
    @TempDir
    Path tmp;

    @Test
    void unchangedBytesKeepTheFileAndItsTime() throws Exception {
        Path f = tmp.resolve("inc/bpf/x.h");
        assertTrue(IncludeDir.replaceIfDifferent(f, "a".getBytes(StandardCharsets.UTF_8)));
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(f, old);
        assertFalse(IncludeDir.replaceIfDifferent(f, "a".getBytes(StandardCharsets.UTF_8)));
        assertEquals(old, Files.getLastModifiedTime(f), "rewriting would make every object stale");
        assertTrue(IncludeDir.replaceIfDifferent(f, "b".getBytes(StandardCharsets.UTF_8)));
        assertEquals("b", new String(Files.readAllBytes(f), StandardCharsets.UTF_8));
    }

    @Test
    void jarHeadersCompileAProgramWithHelpersAndARingBuffer() throws Exception {
        Path include = tmp.resolve("bpf4j/include");
        assertTrue(IncludeDir.syncHeaders(include) > 0);
        assertTrue(Files.isRegularFile(include.resolve("bpf/bpf_helpers.h")));
        assertTrue(Files.isRegularFile(include.resolve("bpf4j/ringbuf.h")));
        assertEquals(0, IncludeDir.syncHeaders(include), "a second build rewrites nothing");

        Path src = tmp.resolve("ring.bpf.c");
        Files.write(src, String.join("\n",
                "#include <linux/bpf.h>",
                "#include <bpf/bpf_helpers.h>",
                "#include <bpf4j/ringbuf.h>",
                "struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(\".maps\");",
                "BPF4J_RINGBUF_DROPS(drops);",
                "SEC(\"xdp\") int emit(struct xdp_md *ctx) {",
                "    __u64 *e = bpf4j_ringbuf_reserve(&events, &drops, sizeof(*e));",
                "    if (!e) return XDP_PASS;",
                "    *e = bpf_ktime_get_ns();",
                "    bpf_ringbuf_submit(e, 0);",
                "    return XDP_PASS;",
                "}",
                "char LICENSE[] SEC(\"license\") = \"GPL\";", "").getBytes(StandardCharsets.UTF_8));
        BpfCompiler c = new BpfCompiler(ClangTest.realClang(), Collections.singletonList(include), null, tmp.resolve("state"));
        assertTrue(c.compile(src, TargetArch.X86, tmp.resolve("ring.bpf.o")).compiled);
    }
}
