package io.github.bpf4j.maven;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class DepFileTest {
    @TempDir
    Path tmp;

    @Test
    void continuationsAndEscapedSpacesAreUnderstood() throws Exception {
        Path d = tmp.resolve("x.d");
        Files.write(d, ("/b/x.bpf.o: /src/x.bpf.c /inc/my\\ dir/a.h \\\n  /inc/b$$.h \\\n  /inc/c.h\n")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(Arrays.asList("/src/x.bpf.c", "/inc/my dir/a.h", "/inc/b$.h", "/inc/c.h"),
                DepFile.prerequisites(d));
    }

    @Test
    void missingFileMeansUnknown() {
        assertNull(DepFile.prerequisites(tmp.resolve("none.d")));
    }
}
