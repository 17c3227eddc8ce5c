package io.github.bpf4j.maven;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetArchTest {
    @Test
    void aliasesAndCommaListsNormaliseOnceEach() throws Exception {
        assertEquals(Arrays.asList(TargetArch.X86, TargetArch.ARM64),
                TargetArch.list(Arrays.asList("amd64, aarch64", "x86_64", "ARM64")));
        assertEquals("-D__TARGET_ARCH_arm64", TargetArch.of("aarch64").define());
    }

    @Test
    void emptyMeansTheBuildMachine() throws Exception {
        assertEquals(Collections.singletonList(TargetArch.host()), TargetArch.list(null));
    }

    @Test
    void unknownArchitectureNamesTheChoices() {
        BpfBuildException e = assertThrows(BpfBuildException.class, () -> TargetArch.of("riscv"));
        assertTrue(e.getMessage().contains("'riscv'") && e.getMessage().contains("x86")
                && e.getMessage().contains("arm64"), e.getMessage());
    }
}
