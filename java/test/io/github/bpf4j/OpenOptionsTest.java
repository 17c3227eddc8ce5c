/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OpenOptions.maxMapMemory: an object whose maps would need too much kernel memory is refused at open. */
class OpenOptionsTest {
    private static byte[] resource(String name) throws Exception {
        try (InputStream in = OpenOptionsTest.class.getClassLoader().getResourceAsStream(name)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0;) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    /** The object with its .bss section header's size set to 2 GiB (issue #8 item 9: 22 s of kernel allocation at load). */
    private static byte[] withHugeBss() throws Exception {
        ByteBuffer elf = ByteBuffer.wrap(resource(ObjectTest.CORE)).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = elf.getLong(0x28);
        int shnum = elf.getShort(0x3c) & 0xffff;
        int shstrndx = elf.getShort(0x3e) & 0xffff;
        long names = elf.getLong((int) (shoff + 64L * shstrndx + 24));
        for (int i = 0; i < shnum; i++) {
            int h = (int) (shoff + 64L * i);
            int name = (int) names + elf.getInt(h);
            byte[] bss = ".bss\0".getBytes(StandardCharsets.US_ASCII);
            boolean match = true;
            for (int k = 0; k < bss.length; k++) {
                match &= elf.get(name + k) == bss[k];
            }
            if (match) {
                elf.putLong(h + 32, 1L << 31);
                return elf.array();
            }
        }
        throw new AssertionError("no .bss in " + ObjectTest.CORE);
    }

    @Test
    void aHugeBssIsRefusedAtOpenNamingTheMapAndItsSize() throws Exception {
        byte[] elf = withHugeBss();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BpfObject.open(elf, "hugebss", OpenOptions.defaults().maxMapMemory(1L << 30)));
        String m = e.getMessage();
        // key 4 B + value 2 GiB, one entry
        assertTrue(m.contains(".bss' (ARRAY, key 4 B, value 2147483648 B, max_entries 1): 2147483652 bytes"), m);
        assertTrue(m.contains("over the bound of 1073741824 bytes"), m);
        assertTrue(m.endsWith("; raise OpenOptions.maxMapMemory if the object is trusted, else check its max_entries"
                + " and section sizes"), m);
        // without a bound the same object opens (and would take the kernel seconds to load)
        BpfObject.open(elf, "hugebss").close();
    }

    @Test
    void everyOpenOverloadTakesTheOptions(@TempDir Path dir) throws Exception {
        OpenOptions tiny = OpenOptions.defaults().maxMapMemory(1);
        assertThrows(IllegalArgumentException.class, () -> BpfObject.openResource(ObjectTest.CORE, tiny));
        Path file = dir.resolve("core_test.bpf.o");
        Files.write(file, resource(ObjectTest.CORE));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BpfObject.open(file, tiny));
        assertTrue(e.getMessage().startsWith("BpfObject.open: object 'core_test': its maps need "),
                e.getMessage());
        // a generous bound changes nothing
        try (BpfObject obj = BpfObject.open(file, OpenOptions.defaults().maxMapMemory(64L << 20))) {
            assertTrue(obj.maps().size() > 0);
        }
    }

    @Test
    void theBoundMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> OpenOptions.defaults().maxMapMemory(0));
        assertThrows(IllegalArgumentException.class, () -> OpenOptions.defaults().maxMapMemory(-1));
        assertEquals(OpenOptions.UNLIMITED, OpenOptions.defaults().maxMapMemory());
        assertEquals(5, OpenOptions.defaults().maxMapMemory(5).maxMapMemory());
        assertThrows(NullPointerException.class, () -> BpfObject.open(new byte[1], "x", null));
    }
}
