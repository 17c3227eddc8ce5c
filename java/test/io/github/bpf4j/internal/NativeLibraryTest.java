/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativeLibraryTest {
    @Test
    void picksTheDirectoryForThisArchitecture() {
        String arch = System.getProperty("os.arch");
        String expected = arch.equals("aarch64") ? "linux_arm64" : "linux_64";
        assertEquals(expected, NativeLibrary.platformDirectory());
    }

    @Test
    void unsupportedPlatformsGetOneClearException() {
        String[][] platforms = {{"Mac OS X", "aarch64"}, {"Windows 11", "amd64"}, {"Linux", "x86"}, {"Linux", "arm"},
            {"Linux", "ppc64le"}};
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        try {
            for (String[] p : platforms) {
                System.setProperty("os.name", p[0]);
                System.setProperty("os.arch", p[1]);
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        NativeLibrary::platformDirectory);
                assertTrue(e.getMessage().contains("x86_64 and aarch64") && e.getMessage().contains(p[0]),
                        e.getMessage());
            }
        } finally {
            System.setProperty("os.name", os);
            System.setProperty("os.arch", arch);
        }
    }
}
