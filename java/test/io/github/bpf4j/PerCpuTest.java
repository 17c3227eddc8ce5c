/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static io.github.bpf4j.MapTypesTest.u32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Per-CPU maps against programs pinned to each CPU: {@code write_slot} and
 * {@code read_slot} in map_types.bpf.c are raw_tp programs, whose test runs
 * honour {@link TestRun#runOnCpu(int)} (XDP's do not). Each value is
 * {@code struct pcpu_val { u32 cpu; u32 tag; u64 runs; }}, 16 bytes.
 */
class PerCpuTest {
    private static final int VALUE = 16;

    private BpfObject obj;
    private BpfMap array;
    private BpfMap hash;
    private BpfMap seen;
    private int possible;
    private List<Integer> online;

    @BeforeEach
    void load() throws IOException {
        Kernel.requireBpf();
        MapTypesTest.requireObjectTypes();
        obj = BpfObject.openResource(MapTypesTest.OBJECT).load();
        array = obj.map("pcpu_array");
        hash = obj.map("pcpu_hash");
        seen = obj.map("seen");
        possible = BpfMap.possibleCpus();
        online = onlineCpus();
    }

    @AfterEach
    void close() {
        if (obj != null) {
            obj.close();
        }
    }

    /** /sys/devices/system/cpu/online, e.g. "0-1,4". */
    private static List<Integer> onlineCpus() throws IOException {
        String s = new String(Files.readAllBytes(Paths.get("/sys/devices/system/cpu/online")),
                StandardCharsets.US_ASCII).trim();
        List<Integer> cpus = new ArrayList<Integer>();
        for (String range : s.split(",")) {
            String[] ends = range.split("-");
            int from = Integer.parseInt(ends[0]);
            int to = ends.length > 1 ? Integer.parseInt(ends[1]) : from;
            for (int c = from; c <= to; c++) {
                cpus.add(c);
            }
        }
        return cpus;
    }

    private static byte[] ctx(long... args) {
        ByteBuffer b = ByteBuffer.allocate(8 * args.length).order(ByteOrder.nativeOrder());
        for (long a : args) {
            b.putLong(a);
        }
        return b.array();
    }

    /** Runs {@code prog} on {@code cpu}; the programs return the CPU they ran on. */
    private void runOn(String prog, int cpu, long... args) {
        TestRun run = new TestRun().ctxIn(ctx(args)).runOnCpu(cpu);
        assertEquals(cpu, obj.program(prog).testRun(run).retval(), prog + " ran on the CPU asked for");
    }

    private static byte[] val(int cpu, int tag, long runs) {
        return ByteBuffer.allocate(VALUE).order(ByteOrder.nativeOrder()).putInt(cpu).putInt(tag).putLong(runs).array();
    }

    private static String show(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
        return "{cpu " + b.getInt(0) + ", tag " + b.getInt(4) + ", runs " + b.getLong(8) + "}";
    }

    private static void assertVal(byte[] expected, byte[] actual, String what) {
        assertArrayEquals(expected, actual, what + ": expected " + show(expected) + ", was " + show(actual));
    }

    @Test
    void layout() {
        assertEquals(MapType.PERCPU_ARRAY, array.type());
        assertEquals(MapType.PERCPU_HASH, hash.type());
        assertEquals(VALUE, array.valueSize());
        assertEquals(VALUE * possible, array.valueBufferSize());
        assertEquals(VALUE * possible, hash.valueBufferSize());
        assertEquals(VALUE, seen.valueBufferSize(), "not per-CPU: one value");
        assertTrue(online.size() <= possible && online.size() >= 1, online + " of " + possible);
        for (int c = 0; c < possible; c++) {
            assertEquals(c * VALUE, array.cpuSlotOffset(c));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> array.cpuSlotOffset(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> array.cpuSlotOffset(possible));
    }

    @Test
    void eachCpuWritesItsOwnSlot() {
        for (int c : online) {
            runOn("write_slot", c, 1, 100 + c);
        }
        runOn("write_slot", online.get(0), 1, 100 + online.get(0)); // twice on the first
        for (BpfMap m : new BpfMap[] {array, hash}) {
            byte[][] slots = m.lookupPerCpu(u32(1));
            assertEquals(possible, slots.length);
            for (int c = 0; c < possible; c++) {
                byte[] expected = !online.contains(c) ? new byte[VALUE]
                        : val(c, 100 + c, c == online.get(0) ? 2 : 1);
                assertVal(expected, slots[c], m.name() + " cpu " + c);
            }
        }
        assertNull(hash.lookupPerCpu(u32(2)), "the program created key 1 only");
        byte[][] untouched = array.lookupPerCpu(u32(2));
        for (byte[] v : untouched) {
            assertVal(new byte[VALUE], v, "array key 2");
        }
    }

    /** The raw per-CPU buffer, read at a position, agrees with lookupPerCpu and cpuSlotOffset. */
    @Test
    void rawBufferHasOneSlotPerCpu() {
        for (int c : online) {
            runOn("write_slot", c, 4, c * 3);
        }
        ByteBuffer all = ByteBuffer.allocateDirect(8 + array.valueBufferSize()).order(ByteOrder.nativeOrder());
        all.position(8);
        assertTrue(array.lookup(ByteBuffer.wrap(u32(4)), all));
        assertEquals(8, all.position());
        byte[][] slots = array.lookupPerCpu(u32(4));
        for (int c = 0; c < possible; c++) {
            byte[] slot = new byte[VALUE];
            for (int i = 0; i < VALUE; i++) {
                slot[i] = all.get(8 + array.cpuSlotOffset(c) + i);
            }
            assertArrayEquals(slots[c], slot, "cpu " + c);
        }
        IllegalArgumentException oneValue = assertThrows(IllegalArgumentException.class,
                () -> array.lookup(u32(4), new byte[VALUE]));
        assertTrue(oneValue.getMessage().contains("needs " + array.valueBufferSize()), oneValue.getMessage());
    }

    @Test
    void whatJavaWritesPerCpuIsWhatEachCpuReads() {
        byte[][] values = new byte[possible][];
        for (int c = 0; c < possible; c++) {
            values[c] = val(1000 + c, 7 * c + 1, (long) c * c + (1L << 40));
        }
        assertTrue(array.updatePerCpu(u32(3), values, UpdateMode.EXIST));
        assertTrue(hash.updatePerCpu(u32(5), values, UpdateMode.NO_EXIST));
        assertFalse(hash.updatePerCpu(u32(5), values, UpdateMode.NO_EXIST), "present: NO_EXIST answers false");
        assertFalse(array.updatePerCpu(u32(3), values, UpdateMode.NO_EXIST), "array indexes always exist");
        assertFalse(hash.updateAllCpus(u32(6), values[0], UpdateMode.EXIST), "absent: EXIST answers false");
        assertNull(hash.lookup(u32(6)), "and creates nothing");
        for (int c : online) {
            runOn("read_slot", c, 3);
            assertVal(values[c], seen.lookup(u32(c)), "array slot read on cpu " + c);
        }
        for (int c : online) {
            runOn("read_slot", c, 5);
            assertVal(values[c], seen.lookup(u32(64 + c)), "hash slot read on cpu " + c);
        }
        // And back in Java, unchanged by the reads.
        byte[][] back = hash.lookupPerCpu(u32(5));
        for (int c = 0; c < possible; c++) {
            assertVal(values[c], back[c], "cpu " + c);
        }
    }

    @Test
    void updateAllCpusGivesEveryCpuTheSameValue() {
        byte[] v = val(77, 88, 99);
        array.updateAllCpus(u32(6), v, UpdateMode.ANY);
        hash.updateAllCpus(u32(6), v, UpdateMode.ANY);
        for (int c : online) {
            runOn("read_slot", c, 6);
            assertVal(v, seen.lookup(u32(c)), "array, cpu " + c);
            assertVal(v, seen.lookup(u32(64 + c)), "hash, cpu " + c);
        }
        // The program then counts on top of what Java set, per CPU.
        int first = online.get(0);
        runOn("write_slot", first, 6, 5);
        byte[][] after = hash.lookupPerCpu(u32(6));
        assertVal(val(first, 5, 100), after[first], "cpu " + first + " counted one more run");
        for (int c = 0; c < possible; c++) {
            if (c != first) {
                assertVal(v, after[c], "cpu " + c + " untouched");
            }
        }
    }

    @Test
    void perCpuHelpersRefuseMisuse() {
        byte[][] tooFew = new byte[possible - 1][];
        for (int i = 0; i < tooFew.length; i++) {
            tooFew[i] = new byte[VALUE];
        }
        assertThrows(IllegalArgumentException.class, () -> array.updatePerCpu(u32(0), tooFew, UpdateMode.ANY));
        byte[][] wrongSize = new byte[possible][];
        for (int i = 0; i < possible; i++) {
            wrongSize[i] = new byte[i == possible - 1 ? VALUE - 1 : VALUE];
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> array.updatePerCpu(u32(0), wrongSize, UpdateMode.ANY));
        assertTrue(e.getMessage().contains("cpu " + (possible - 1)), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> array.updateAllCpus(u32(0), new byte[8], UpdateMode.ANY));
        assertThrows(UnsupportedOperationException.class, () -> seen.lookupPerCpu(u32(0)));
        assertThrows(UnsupportedOperationException.class,
                () -> seen.updateAllCpus(u32(0), new byte[VALUE], UpdateMode.ANY));
        assertThrows(IllegalArgumentException.class, () -> array.update(u32(0), new byte[VALUE]),
                "a per-CPU update needs every CPU's slot");
        for (byte[] v : array.lookupPerCpu(u32(0))) {
            assertVal(new byte[VALUE], v, "nothing was written");
        }
    }

    /** What the kernel allows around BPF_F_TEST_RUN_ON_CPU, as the exceptions say it. */
    @Test
    void runOnCpuIsForRawTracepointsAndOnlineCpus() {
        BpfException xdp = assertThrows(BpfException.class, () -> obj.program("pass")
                .testRun(new TestRun().dataIn(Kernel.packet()).runOnCpu(0)));
        assertEquals("EINVAL", xdp.errnoName(), "XDP test runs take no CPU: " + xdp);
        BpfProgram write = obj.program("write_slot");
        BpfException offline = assertThrows(BpfException.class,
                () -> write.testRun(new TestRun().ctxIn(ctx(1, 1)).runOnCpu(4096)));
        assertEquals("ENXIO", offline.errnoName(), "no CPU 4096: " + offline);
        BpfException shortCtx = assertThrows(BpfException.class,
                () -> write.testRun(new TestRun().ctxIn(ctx(1)).runOnCpu(0)));
        assertEquals("EINVAL", shortCtx.errnoName(), "the program reads args[1]: 16 bytes of context needed");
        // Without the flag the run stays on CPU 0's rules: cpu 0 is allowed, and the run happens somewhere.
        int ranOn = write.testRun(new TestRun().ctxIn(ctx(7, 7))).retval();
        assertTrue(ranOn >= 0 && ranOn < possible, "ran on cpu " + ranOn);
        assertFalse(hash.lookupPerCpu(u32(7)) == null);
    }
}
