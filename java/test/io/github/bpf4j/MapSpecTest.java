/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static io.github.bpf4j.MapTypesTest.requireType;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MapSpec} validation: each rule names its field before any system
 * call (and no fd is made), and what the kernel refuses instead is described
 * with the spec.
 */
class MapSpecTest {
    @BeforeEach
    void requireBpf() {
        Kernel.requireBpf();
    }

    /** Refused in Java, naming the field, and no BPF fd is left behind (none was ever made). */
    private static void assertRejected(MapSpec spec, String field, String... more) {
        BpfFds before = BpfFds.snapshot();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BpfMap.create(spec),
                spec.toString());
        assertTrue(e.getMessage().startsWith("MapSpec." + field + " "), "expected MapSpec." + field + ": "
                + e.getMessage());
        for (String m : more) {
            assertTrue(e.getMessage().contains(m), "expected '" + m + "' in: " + e.getMessage());
        }
        BpfFds.assertNoneAddedSince(before, spec.toString());
    }

    private static MapSpec hashSpec() {
        return MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(16);
    }

    @Test
    void specRejectsUnsetSizes() {
        assertRejected(MapSpec.of(MapType.HASH).valueSize(8).maxEntries(1), "keySize", "not set");
        assertRejected(MapSpec.of(MapType.HASH).keySize(4).maxEntries(1), "valueSize", "not set");
        assertRejected(MapSpec.of(MapType.HASH).keySize(4).valueSize(8), "maxEntries", "not set");
        assertRejected(MapSpec.of(MapType.ARRAY).maxEntries(1), "valueSize", "not set");
    }

    @Test
    void specRejectsZeroSizesForHashes() {
        for (MapType t : Arrays.asList(MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH)) {
            assertRejected(MapSpec.of(t).keySize(0).valueSize(8).maxEntries(16), "keySize", "greater than 0");
            assertRejected(MapSpec.of(t).keySize(4).valueSize(0).maxEntries(16), "valueSize", "greater than 0");
            assertRejected(MapSpec.of(t).keySize(4).valueSize(8).maxEntries(0), "maxEntries", "greater than 0");
        }
    }

    @Test
    void specRejectsBadNames() {
        assertRejected(hashSpec().name("sixteen_chars_xx"), "name", "15");
        assertRejected(hashSpec().name("has-dash"), "name", "letters, digits");
        assertRejected(hashSpec().name("h\u00e9"), "name");
        assertRejected(hashSpec().name("with space"), "name");
    }

    @Test
    void specAcceptsLongestValidName() {
        try (BpfMap m = BpfMap.create(hashSpec().name("fifteen_chars.x"))) {
            assertEquals("fifteen_chars.x", m.name());
            assertEquals("fifteen_chars.x", m.info().name(), "the kernel kept all 15 characters");
        }
    }

    @Test
    void specRejectsUnknownFlagBits() {
        // MapFlag has no unknown bits; the flags MapSpec cannot supply the fd for are refused instead.
        assertRejected(hashSpec().flags(MapFlag.TOKEN_FD), "flags", "TOKEN_FD");
    }

    /** libbpf 1.7's uapi defines BPF_F_RB_OVERWRITE (1 << 19); whether the kernel takes it is the kernel's call. */
    @Test
    void ringBufferOverwriteFlagIsLeftToTheKernel() {
        requireType(MapType.RINGBUF);
        MapSpec spec = MapSpec.of(MapType.RINGBUF).maxEntries(4096).flags(MapFlag.RB_OVERWRITE);
        BpfFds before = BpfFds.snapshot();
        try (BpfMap m = BpfMap.create(spec)) {
            assertEquals(java.util.EnumSet.of(MapFlag.RB_OVERWRITE), m.flags());
            assertEquals(java.util.EnumSet.of(MapFlag.RB_OVERWRITE), m.info().flags(), "the kernel kept it");
        } catch (BpfInvalidArgumentException kernelSaysNo) {
            // A kernel without overwrite mode: EINVAL from BPF_MAP_CREATE itself, and nothing left open.
            assertEquals("EINVAL", kernelSaysNo.errnoName());
            assertTrue(kernelSaysNo.getMessage().contains("RINGBUF"), kernelSaysNo.getMessage());
        }
        BpfFds.assertNoneAddedSince(before, "the ring buffer is closed either way");
    }

    @Test
    void specRejectsWrongArrayKeys() {
        assertRejected(MapSpec.of(MapType.ARRAY).keySize(8).valueSize(8).maxEntries(4), "keySize", "4");
        assertRejected(MapSpec.of(MapType.PERCPU_ARRAY).keySize(2).valueSize(8).maxEntries(4), "keySize");
        assertRejected(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(0), "maxEntries");
        assertRejected(MapSpec.of(MapType.PERCPU_ARRAY).valueSize(8).maxEntries(4).flags(MapFlag.MMAPABLE), "flags",
                "BPF_F_MMAPABLE");
    }

    @Test
    void specRejectsLpmTriesWithoutNoPrealloc() {
        assertRejected(MapSpec.of(MapType.LPM_TRIE).keySize(8).valueSize(4).maxEntries(4).flags(java.util.Collections.<MapFlag>emptySet()), "flags",
                "BPF_F_NO_PREALLOC");
        assertRejected(MapSpec.of(MapType.LPM_TRIE).keySize(4).valueSize(4).maxEntries(4), "keySize", "prefix");
    }

    @Test
    void specRejectsKeysOnKeylessMaps() {
        for (MapType t : Arrays.asList(MapType.QUEUE, MapType.STACK, MapType.BLOOM_FILTER)) {
            assertRejected(MapSpec.of(t).keySize(4).valueSize(4).maxEntries(4), "keySize", "no keys");
            assertRejected(MapSpec.of(t).valueSize(0).maxEntries(4), "valueSize");
        }
        assertRejected(MapSpec.of(MapType.BLOOM_FILTER).valueSize(4).maxEntries(4).mapExtra(16), "mapExtra", "15");
        assertRejected(MapSpec.of(MapType.BLOOM_FILTER).valueSize(4).maxEntries(4).mapExtra(-1), "mapExtra");
    }

    @Test
    void specRejectsRingBuffersThatAreNotPowersOfTwoPages() {
        for (MapType t : Arrays.asList(MapType.RINGBUF, MapType.USER_RINGBUF)) {
            assertRejected(MapSpec.of(t).maxEntries(3 * 4096), "maxEntries", "power of 2");
            assertRejected(MapSpec.of(t).maxEntries(2048), "maxEntries", "page");
            assertRejected(MapSpec.of(t).maxEntries(0), "maxEntries");
            assertRejected(MapSpec.of(t).valueSize(8).maxEntries(4096), "valueSize");
            assertRejected(MapSpec.of(t).keySize(4).maxEntries(4096), "keySize");
        }
    }

    @Test
    void specRejectsArenasWithoutMmapable() {
        assertRejected(MapSpec.of(MapType.ARENA).maxEntries(4).flags(java.util.Collections.<MapFlag>emptySet()), "flags", "BPF_F_MMAPABLE");
        assertRejected(MapSpec.of(MapType.ARENA).maxEntries(0), "maxEntries");
    }

    @Test
    void specRejectsMapsOfMapsWithoutInnerMap() {
        assertRejected(MapSpec.of(MapType.ARRAY_OF_MAPS).maxEntries(4), "innerMap", "required");
        assertRejected(MapSpec.of(MapType.HASH_OF_MAPS).keySize(4).maxEntries(4), "innerMap", "required");
        try (BpfMap template = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(1))) {
            assertRejected(MapSpec.of(MapType.ARRAY_OF_MAPS).valueSize(8).maxEntries(4).innerMap(template),
                    "valueSize", "fds");
            assertRejected(hashSpec().innerMap(template), "innerMap", "only ARRAY_OF_MAPS and HASH_OF_MAPS");
        }
    }

    @Test
    void specRejectsFdArraysWithOtherSizes() {
        for (MapType t : Arrays.asList(MapType.PROG_ARRAY, MapType.PERF_EVENT_ARRAY, MapType.CGROUP_ARRAY)) {
            assertRejected(MapSpec.of(t).valueSize(8).maxEntries(4), "valueSize", "fds");
            assertRejected(MapSpec.of(t).keySize(8).maxEntries(4), "keySize");
        }
    }

    @Test
    @MapTypesTest.Covers({MapType.UNSPEC, MapType.UNKNOWN})
    void specNeedsAType() {
        for (MapType t : new MapType[] {null, MapType.UNSPEC, MapType.UNKNOWN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MapSpec.of(t));
            assertEquals("type: a map type is required, not " + t, e.getMessage());
        }
    }

    @Test
    void specFillsInFixedSizes() {
        assertEquals(4, MapSpec.of(MapType.ARRAY).keySize());
        assertEquals(4, MapSpec.of(MapType.PROG_ARRAY).valueSize());
        assertEquals(4, MapSpec.of(MapType.HASH_OF_MAPS).valueSize());
        assertEquals(0, MapSpec.of(MapType.QUEUE).keySize());
        assertEquals(0, MapSpec.of(MapType.RINGBUF).valueSize());
        assertEquals(-1, MapSpec.of(MapType.HASH).keySize(), "unset");
        assertEquals(java.util.EnumSet.of(MapFlag.NUMA_NODE), hashSpec().numaNode(0).flags(),
                "a NUMA node sets BPF_F_NUMA_NODE");
    }

    @Test
    void numaNodeReachesTheKernel() {
        try (BpfMap m = BpfMap.create(hashSpec().numaNode(0).name("mt_numa"))) {
            assertEquals(java.util.EnumSet.of(MapFlag.NUMA_NODE), m.info().flags());
        }
    }

    @Test
    void kernelRejectionsDescribeTheSpec() {
        // Valid for MapSpec, but DEVMAP values are 4 or 8 bytes: the kernel says EINVAL.
        BpfFds before = BpfFds.snapshot();
        BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class,
                () -> BpfMap.create(MapSpec.of(MapType.DEVMAP).valueSize(3).maxEntries(4).name("bad_devmap")));
        assertEquals("EINVAL", e.errnoName());
        assertTrue(e.getMessage().contains("DEVMAP 'bad_devmap' (key 4, value 3"), e.getMessage());
        assertFalse(e.hint().isEmpty());
        BpfFds.assertNoneAddedSince(before, "a refused BPF_MAP_CREATE leaves no fd");
    }
}
