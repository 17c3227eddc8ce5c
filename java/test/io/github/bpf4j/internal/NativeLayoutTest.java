/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** NativeLayout (Java) and jni/layout.h (C, as compiled into libbpf4j.so) name the same slots with the same values. */
class NativeLayoutTest {
    @Test
    void javaAndNativeLayoutsAgree() throws Exception {
        Native.ensureLoaded();
        Map<String, Integer> c = new TreeMap<String, Integer>();
        for (String line : Native.layoutConstants().split("\n")) {
            int eq = line.indexOf('=');
            c.put(line.substring(0, eq), Integer.valueOf(line.substring(eq + 1)));
        }
        Map<String, Integer> java = new TreeMap<String, Integer>();
        for (Field f : NativeLayout.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                java.put(f.getName(), f.getInt(null));
            }
        }
        assertTrue(java.size() > 30, "NativeLayout lost its constants: " + java);
        assertEquals(c, java, "jni/layout.h (first) and NativeLayout.java (second) must agree");
    }

    /** Each layout's slots are 0..LEN-1, each once: no two names share a slot, none is past the length. */
    @Test
    void everyLayoutIsDenseAndItsLengthCountsItsSlots() throws Exception {
        Map<String, java.util.Set<Integer>> slots = new TreeMap<String, java.util.Set<Integer>>();
        Map<String, Integer> lengths = new TreeMap<String, Integer>();
        for (String prefix : new String[] {"MAP_DESCRIBE_", "GLOBAL_", "MAP_INFO_", "TEST_RUN_",
                "TEST_RUN_OPERAND_", "PROG_INFO_", "MAP_OP_", "MAP_BATCH_", "PROGRAM_INFO_", "LINK_INFO_", "BTF_INFO_"}) {
            slots.put(prefix, new java.util.TreeSet<Integer>());
        }
        for (Field f : NativeLayout.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getType() != int.class
                    || f.getName().endsWith("_NAME_BYTES") || f.getName().endsWith("_PATH_BYTES")
                    || f.getName().endsWith("_TAG_BYTES")) {
                continue;
            }
            String prefix = null;
            for (String p : slots.keySet()) {
                if (f.getName().startsWith(p) && (prefix == null || p.length() > prefix.length())) {
                    prefix = p;
                }
            }
            assertTrue(prefix != null, f.getName() + " belongs to no layout");
            if (f.getName().endsWith("_LEN") && !f.getName().equals("MAP_INFO_NAME_LEN")) {
                lengths.put(prefix, f.getInt(null));
            } else {
                assertTrue(slots.get(prefix).add(f.getInt(null)), f.getName() + " reuses a slot");
            }
        }
        for (Map.Entry<String, java.util.Set<Integer>> e : slots.entrySet()) {
            int len = lengths.get(e.getKey());
            assertEquals(len, e.getValue().size(), e.getKey() + " slots " + e.getValue());
            assertEquals(len - 1, (int) ((java.util.TreeSet<Integer>) e.getValue()).last(), e.getKey());
        }
    }
}
