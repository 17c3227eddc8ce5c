/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.arena.ArenaHashTable;
import io.github.bpf4j.arena.ArenaList;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three arena use cases of the kernel's bpf_arena design, against the
 * real kernel: BPF programs and the JVM sharing one arena, with the Java
 * twins ({@link ArenaHashTable}, {@link ArenaList}) on the JVM side.
 */
class ArenaUseCaseTest {
    static final String KV = "io/github/bpf4j/bpf/arena_kv.bpf.o";
    private static final int PAGE = 4096;
    private static final int XDP_DROP = 1;
    private static final int XDP_PASS = 2;
    private static final int XDP_TX = 3;
    private static final int KV_PORT = 9000;

    @BeforeEach
    void needsArenas() {
        Kernel.requireBpf();
        Kernel.assumeArenas();
    }

    // ---- use case 1: the JVM keeps the table, XDP answers from it

    @Test
    void kvGetAnswersFromATableTheJvmBuilt() {
        try (BpfObject obj = BpfObject.openResource(KV).load()) {
            Globals g = new Globals(obj, KV);
            ArenaRegion r = obj.map("kv_arena").arena().region();
            long at = PAGE; // never offset 0: its pointer may be NULL in 32 bits
            ArenaHashTable t = ArenaHashTable.init(r, at, 1024, 16, 64);
            assertTrue(t.put("alpha", "one"));
            assertTrue(t.put("beta", "two"));
            String longKey = "0123456789abcdef"; // 16 bytes: no NUL at all
            String longValue = repeat('v', 64); // 64 bytes: the reply carries all of them
            assertTrue(t.put(longKey, longValue));
            assertEquals(3, t.count());

            BpfProgram get = obj.program("kv_get");
            byte[] out = new byte[256];
            TestRun run = new TestRun().dataOut(out);

            // No table yet: every request passes.
            assertEquals(XDP_PASS, get.testRun(run.dataIn(request("alpha", ""))).retval());
            assertEquals(1, g.u64("no_table"));
            g.putU64("kv_table_ptr", r.pointerAt(at));

            byte[] req = request("alpha", "");
            assertEquals(XDP_TX, get.testRun(run.dataIn(req)).retval());
            checkReply(req, out, run.dataSizeOut(), "one");
            req = request("beta", "\r\n");
            assertEquals(XDP_TX, get.testRun(run.dataIn(req)).retval());
            checkReply(req, out, run.dataSizeOut(), "two");
            req = request(longKey, "\n");
            assertEquals(XDP_TX, get.testRun(run.dataIn(req)).retval());
            checkReply(req, out, run.dataSizeOut(), longValue);

            assertEquals(XDP_PASS, get.testRun(run.dataIn(request("gamma", ""))).retval(), "a miss goes to the stack");
            assertEquals(XDP_PASS, get.testRun(run.dataIn(request("alph", ""))).retval(), "a prefix is another key");

            // Changes from Java are seen by the next packet.
            assertFalse(t.put("alpha", "uno"), "an update, not an insert");
            req = request("alpha", "");
            assertEquals(XDP_TX, get.testRun(run.dataIn(req)).retval());
            checkReply(req, out, run.dataSizeOut(), "uno");
            assertTrue(t.remove("beta"));
            assertEquals(XDP_PASS, get.testRun(run.dataIn(request("beta", ""))).retval());
            assertTrue(t.put("beta", "back"), "a tombstone is reused");
            req = request("beta", "");
            assertEquals(XDP_TX, get.testRun(run.dataIn(req)).retval());
            checkReply(req, out, run.dataSizeOut(), "back");

            // Not for kv_get: other ports, bad payloads.
            assertEquals(XDP_PASS, get.testRun(run.dataIn(udp(KV_PORT + 1, "GET alpha"))).retval());
            assertEquals(XDP_PASS, get.testRun(run.dataIn(udp(KV_PORT, "PUT alpha"))).retval());
            assertEquals(XDP_PASS, get.testRun(run.dataIn(udp(KV_PORT, "GET " + longKey + "x"))).retval());

            assertEquals(5, g.u64("hits"));
            assertEquals(3, g.u64("misses"));
            assertEquals(2, g.u64("malformed"));
            assertEquals(1, g.u64("not_kv"));
            assertEquals(0, g.u64("tx_errors"));
        }
    }

    /** kv_init/kv_put/kv_del (BPF) and the Java twin work on the same tables, both ways. */
    @Test
    void bpfAndJavaChangeTheSameTable() {
        try (BpfObject obj = BpfObject.openResource(KV).load()) {
            Globals g = new Globals(obj, KV);
            ArenaRegion r = obj.map("kv_arena").arena().region();
            BpfProgram init = obj.program("kv_init");
            BpfProgram put = obj.program("kv_put");
            BpfProgram del = obj.program("kv_del");
            BpfProgram get = obj.program("kv_get");

            assertEquals(0, init.testRun(new TestRun().ctxIn(ints(256, 0))).retval());
            long ptr = g.u64("kv_table_ptr");
            assertEquals(r.arena().userVmStart() >>> 32, ptr >>> 32, "a user address");
            ArenaHashTable t = ArenaHashTable.at(r, r.offsetOf(ptr), 16, 64);
            assertEquals(256, t.capacity());
            assertEquals(0, t.count());

            // BPF inserts, Java reads (and agrees on hash and probing).
            for (int i = 0; i < 100; i++) {
                assertEquals(0, put.testRun(new TestRun().ctxIn(putArgs("bpf-" + i, "from bpf " + i, 1))).retval());
            }
            assertEquals(-17, put.testRun(new TestRun().ctxIn(putArgs("bpf-7", "again", 1))).retval(), "BPF_NOEXIST: EEXIST");
            assertEquals(100, t.count());
            for (int i = 0; i < 100; i++) {
                assertEquals("from bpf " + i, t.getString("bpf-" + i));
            }
            // Java inserts, BPF updates and answers.
            for (int i = 0; i < 100; i++) {
                assertTrue(t.put("java-" + i, "from java " + i));
            }
            assertEquals(0, put.testRun(new TestRun().ctxIn(putArgs("java-5", "bpf was here", 2))).retval(), "BPF_EXIST");
            assertEquals("bpf was here", t.getString("java-5"));
            byte[] out = new byte[256];
            TestRun run = new TestRun().dataOut(out);
            byte[] req = request("java-42", "");
            assertEquals(XDP_TX, get.testRun(run.dataIn(req)).retval());
            checkReply(req, out, run.dataSizeOut(), "from java 42");
            // Deletes, each side's keys from the other side.
            assertEquals(0, del.testRun(new TestRun().ctxIn(ArenaHashTable.ascii("java-42", 16))).retval());
            assertNull(t.getString("java-42"));
            assertEquals(-2, del.testRun(new TestRun().ctxIn(ArenaHashTable.ascii("java-42", 16))).retval(), "ENOENT");
            assertTrue(t.remove("bpf-3"));
            assertEquals(XDP_PASS, get.testRun(run.dataIn(request("bpf-3", ""))).retval());
            assertEquals(198, t.count());

            Map<String, String> all = new HashMap<String, String>();
            for (Map.Entry<byte[], byte[]> e : t) {
                all.put(ArenaHashTable.text(e.getKey()), ArenaHashTable.text(e.getValue()));
            }
            assertEquals(198, all.size());
            assertEquals("from bpf 99", all.get("bpf-99"));
            assertEquals(t.count(), t.entries().size());

            // A table Java made, filled by BPF.
            long mine = 64 * PAGE;
            ArenaHashTable j = ArenaHashTable.init(r, mine, 64, 16, 64);
            g.putU64("kv_table_ptr", r.pointerAt(mine));
            assertEquals(0, put.testRun(new TestRun().ctxIn(putArgs("k", "v", 0))).retval());
            assertEquals("v", j.getString("k"));
            assertEquals(1, j.count());
        }
    }

    /** Full tables: both sides refuse the same keys, for the same reasons (probe bound, count). */
    @Test
    void fullTablesAndTheProbeBoundAgreeWithBpf() {
        try (BpfObject obj = BpfObject.openResource(KV).load()) {
            Globals g = new Globals(obj, KV);
            ArenaRegion r = obj.map("kv_arena").arena().region();
            BpfProgram put = obj.program("kv_put");

            // 64 keys with the same home slot fill the probe window; the 65th has no slot (ENOSPC).
            long at = PAGE;
            ArenaHashTable t = ArenaHashTable.init(r, at, 128, 16, 64);
            g.putU64("kv_table_ptr", r.pointerAt(at));
            List<String> same = sameHome(128, 66);
            for (int i = 0; i < 64; i++) {
                assertTrue(t.put(same.get(i), "v" + i));
            }
            ArenaHashTable.TableFullException e = assertThrows(ArenaHashTable.TableFullException.class,
                    () -> t.put(same.get(64), "x"));
            assertTrue(e.getMessage().contains("within 64 slots"), e.getMessage());
            assertEquals(-28, put.testRun(new TestRun().ctxIn(putArgs(same.get(65), "x", 0))).retval(), "BPF: ENOSPC");
            assertEquals(64, t.count());
            // A tombstone in the window makes room again, for either side.
            assertTrue(t.remove(same.get(10)));
            assertEquals(0, put.testRun(new TestRun().ctxIn(putArgs(same.get(65), "x", 0))).retval());
            assertEquals("x", t.getString(same.get(65)));
            for (int i = 0; i < 64; i++) {
                assertEquals(i == 10 ? null : "v" + i, t.getString(same.get(i)));
            }

            // capacity - 1 entries at most (E2BIG in BPF).
            long at2 = 32 * PAGE;
            ArenaHashTable small = ArenaHashTable.init(r, at2, 16, 16, 64);
            for (int i = 0; i < 15; i++) {
                small.put("s" + i, "v");
            }
            e = assertThrows(ArenaHashTable.TableFullException.class, () -> small.put("s15", "v"));
            assertTrue(e.getMessage().contains("capacity - 1"), e.getMessage());
            g.putU64("kv_table_ptr", r.pointerAt(at2));
            assertEquals(-7, put.testRun(new TestRun().ctxIn(putArgs("s15", "v", 0))).retval(), "BPF: E2BIG");
            assertEquals(0, put.testRun(new TestRun().ctxIn(putArgs("s3", "updated", 0))).retval(), "updates still work");
            assertEquals("updated", small.getString("s3"));
        }
    }

    /** The twin's API on its own: argument checks, ByteBuffer lookups without allocation. */
    @Test
    void hashTableTwinChecksItsArgumentsAndLooksUpWithoutAllocating() {
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(64).flags(MapFlag.MMAPABLE)
                .name("t_htab"))) {
            ArenaRegion r = map.arena().region();
            assertEquals(32 + 8 * (8 + 8 + 16), ArenaHashTable.bytesNeeded(8, 5, 12));
            assertThrows(IllegalArgumentException.class, () -> ArenaHashTable.bytesNeeded(12, 16, 64));
            assertThrows(IllegalArgumentException.class, () -> ArenaHashTable.init(r, PAGE + 4, 16, 16, 64));
            assertThrows(IllegalArgumentException.class, () -> ArenaHashTable.init(r, r.size() - PAGE, 1024, 16, 64));
            IllegalArgumentException notATable = assertThrows(IllegalArgumentException.class,
                    () -> ArenaHashTable.at(r, 2 * PAGE));
            assertTrue(notATable.getMessage().contains("magic"), notATable.getMessage());

            ArenaHashTable t = ArenaHashTable.init(r, PAGE, 256, 13, 8);
            assertEquals(ArenaHashTable.MAGIC, r.getInt(PAGE));
            assertEquals(8 + 16 + 8, t.slotSize());
            assertThrows(IllegalArgumentException.class, () -> ArenaHashTable.at(r, PAGE, 16, 64));
            assertThrows(IllegalArgumentException.class, () -> t.put(new byte[12], new byte[8]));
            assertThrows(IllegalArgumentException.class, () -> t.put("much too long a key", "v"));
            assertThrows(IllegalArgumentException.class, () -> t.put("k\u00e9", "v"));
            ArenaHashTable again = ArenaHashTable.at(r, PAGE);
            assertEquals(13, again.keySize());

            ByteBuffer key = ByteBuffer.allocateDirect(13);
            ByteBuffer value = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
            for (int i = 0; i < 200; i++) {
                byte[] k = ArenaHashTable.ascii("key" + i, 13);
                byte[] v = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, i * 7L).array();
                assertTrue(t.put(k, v));
                assertArrayEquals(v, again.get(k));
            }
            // The stored hash is FNV-1a of the 13 key bytes: the same the BPF side computes.
            byte[] k5 = ArenaHashTable.ascii("key5", 13);
            int home = ArenaHashTable.fnv1a(k5) & 255;
            boolean seen = false;
            for (int s = 0; s < 64 && !seen; s++) {
                long slot = PAGE + 32 + (long) ((home + s) & 255) * t.slotSize();
                seen = r.getInt(slot) == 1 && r.getInt(slot + 4) == ArenaHashTable.fnv1a(k5);
            }
            assertTrue(seen, "key5's slot within the probe window holds its hash");

            key.put(ArenaHashTable.ascii("key150", 13)).flip();
            assertTrue(t.get(key, value));
            assertEquals(150 * 7L, value.getLong(0));
            assertEquals(0, key.position(), "the key buffer does not move");
            assertEquals(0, value.position(), "the value buffer does not move");
            ByteBuffer absent = ByteBuffer.allocateDirect(13).put(ArenaHashTable.ascii("nope", 13));
            absent.flip();
            assertFalse(t.get(absent, value));

            long vo = t.valueOffset(ArenaHashTable.ascii("key9", 13));
            assertEquals(63, r.getLong(vo));
            r.getAndAddLong(vo, 1);
            assertEquals(64, ByteBuffer.wrap(t.get(ArenaHashTable.ascii("key9", 13)))
                    .order(ByteOrder.nativeOrder()).getLong());
            assertEquals(-1, t.valueOffset(ArenaHashTable.ascii("nope", 13)));
            assertEquals(200, t.entries().size());

            // Misses allocate nothing; hits copy the value with ArenaRegion.get(long, ByteBuffer).
            long missBytes = allocatedBy(() -> t.get(absent, value));
            assertTrue(missBytes < 10_000, "10,000 missing lookups allocated " + missBytes + " bytes");
            long hitBytes = allocatedBy(() -> t.get(key, value));
            long t0 = System.nanoTime();
            for (int i = 0; i < 100_000; i++) {
                t.get(key, value);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < 100_000; i++) {
                t.get(absent, value);
            }
            long t2 = System.nanoTime();
            System.out.println("ArenaHashTable.get(ByteBuffer, ByteBuffer): " + (t1 - t0) / 100_000 + " ns a hit, "
                    + (t2 - t1) / 100_000 + " ns a miss");

            // The copy a hit makes is measured on its own, so a failure says which layer allocates.
            ByteBuffer dst = ByteBuffer.allocateDirect(8);
            long copyBytes = allocatedBy(() -> r.get(PAGE, dst));
            assertTrue(copyBytes < 10_000, "10,000 ArenaRegion.get(long, ByteBuffer) copies allocated " + copyBytes
                    + " bytes");
            assertEquals(0, dst.position(), "get(long, ByteBuffer) leaves the position");
            assertTrue(hitBytes < 10_000, "10,000 lookups that hit allocated " + hitBytes + " bytes");
        }
    }

    // ---- use case 2: the program builds, the JVM reads in place

    @ParameterizedTest
    @ValueSource(strings = {"arena_build", "arena_build_nouc"})
    void jvmReadsAListAndATableTheProgramBuilt(String name) {
        String resource = "bpf/" + name + ".bpf.o";
        try (BpfObject obj = BpfObject.openResource(resource).load()) {
            Globals g = new Globals(obj, resource);
            BpfArena arena = obj.map("arena").arena();
            ArenaRegion r = arena.region();
            boolean noUserConv = name.endsWith("nouc");
            assertEquals(noUserConv, arena.noUserConv());
            int n = 4096;

            long start = System.nanoTime();
            assertEquals(0, obj.program("build").testRun(new TestRun().ctxIn(ints(n, 0))).retval());
            long buildMicros = (System.nanoTime() - start) / 1_000;
            assertEquals(n, g.u32("built_n"));
            assertEquals(n, g.u64("list_len"), "BPF walked its own list");

            long listPtr = g.u64("list_ptr");
            long tablePtr = g.u64("table_ptr");
            if (noUserConv) {
                assertEquals(0, listPtr >>> 32, "NO_USER_CONV: 32-bit pointers");
                assertEquals(0, tablePtr >>> 32);
            } else {
                assertEquals(arena.userVmStart() >>> 32, listPtr >>> 32, "user addresses");
            }

            // The list, by hand with readPointer, then with the twin.
            long head = r.offsetOf(listPtr);
            long node = r.readPointer(head);
            long raw = r.getLong(head);
            assertEquals(noUserConv ? 0 : arena.userVmStart() >>> 32, raw >>> 32, "stored pointers, same form");
            for (long i = 0; i < n; i++) {
                assertTrue(node >= 0, "node " + i);
                assertEquals(i * i, r.getLong(node + 8));
                node = r.readPointer(node);
            }
            assertEquals(-1, node, "NULL after the last node");

            ArenaList list = ArenaList.at(r, head);
            assertEquals(n, list.count());
            long[] values = list.values();
            assertEquals(n, values.length);
            long sum = 0;
            for (int i = 0; i < n; i++) {
                assertEquals((long) i * i, values[i]);
                sum += values[i];
            }
            assertEquals(sum, g.u64("list_sum"));
            assertEquals(n, list.length());

            ArenaHashTable t = ArenaHashTable.at(r, r.offsetOf(tablePtr), 16, 64);
            assertEquals(g.u32("table_capacity"), t.capacity());
            assertEquals(8192, t.capacity());
            assertEquals(g.u64("table_bytes"), t.bytes());
            assertEquals(n, t.count());
            for (int i = 0; i < n; i++) {
                assertEquals("value-" + i, t.getString("key-" + i));
            }
            assertNull(t.getString("key-" + n));
            assertEquals(n, t.entries().size());

            // Tombstones made by BPF: lookups go past them.
            assertEquals(0, obj.program("build").testRun(new TestRun().ctxIn(ints(3000, 1 | 4))).retval());
            assertEquals(0, g.u64("list_ptr"), "no list this time");
            assertEquals(-1, r.offsetOf(g.u64("list_ptr")));
            ArenaHashTable t2 = ArenaHashTable.at(r, r.offsetOf(g.u64("table_ptr")), 16, 64);
            assertEquals(2000, t2.count());
            for (int i = 0; i < 3000; i++) {
                assertEquals(i % 3 == 0 ? null : "value-" + i, t2.getString("key-" + i));
            }
            assertEquals("value-" + 1, t.getString("key-1"), "the first table is still there");

            // A list Java builds in the same arena stores the same pointer form.
            long mine = r.size() - 64 * PAGE; // past what build used (194 pages per run)
            ArenaList j = ArenaList.init(r, mine);
            for (int i = 0; i < 10; i++) {
                j.pushFront(mine + 16 + 16L * i, 100 + i);
            }
            assertEquals(noUserConv ? 0 : arena.userVmStart() >>> 32, r.getLong(mine) >>> 32);
            assertArrayEquals(new long[] {109, 108, 107, 106, 105, 104, 103, 102, 101, 100}, j.values());
            System.out.println(name + ": BPF built " + n + " list nodes and " + n + " table entries in " + buildMicros
                    + " us");
        }
    }

    // ---- use case 3: the program's heap (SEGV_ON_FAULT | NO_USER_CONV)

    @Test
    void heapPagesAreReadOnlyThroughTheKernelAndFreedPagesNeverCrash() {
        String resource = "bpf/arena_heap.bpf.o";
        try (BpfObject obj = BpfObject.openResource(resource).load()) {
            Globals g = new Globals(obj, resource);
            BpfArena arena = obj.map("heap_arena").arena();
            ArenaRegion r = arena.region();
            assertTrue(arena.segvOnFault());
            assertTrue(arena.noUserConv());
            int pages = 8;
            assertEquals(0, obj.program("heap_alloc").testRun(new TestRun().ctxIn(ints(pages, 0))).retval());
            assertEquals(pages, g.u32("heap_count"));
            assertEquals(1, g.u32("heap_live"));

            long[] offsets = new long[pages];
            Set<Long> allocated = new HashSet<Long>();
            byte[] page = new byte[PAGE];
            for (int i = 0; i < pages; i++) {
                long ptr = g.u64("heap_ptrs", i);
                assertEquals(0, ptr >>> 32, "32-bit pointers");
                offsets[i] = r.offsetOf(ptr);
                allocated.add(offsets[i]);
                r.readChecked(offsets[i], page, 0, PAGE);
                ByteBuffer words = ByteBuffer.wrap(page).order(ByteOrder.nativeOrder());
                for (int w = 0; w < PAGE / 8; w++) {
                    assertEquals(pattern(i, w), words.getLong(w * 8), "page " + i + " word " + w);
                }
                assertEquals(pattern(i, 77), r.readLongChecked(offsets[i] + 77 * 8));
            }
            final long first = offsets[0];
            assertThrows(UnsupportedOperationException.class, () -> r.getLong(first));
            assertThrows(UnsupportedOperationException.class, () -> r.putLong(first, 1));
            assertThrows(UnsupportedOperationException.class, () -> r.getAndAddLong(first, 1));
            long never = r.size() - PAGE;
            assertFalse(allocated.contains(never));
            BpfException missing = assertThrows(BpfException.class, () -> r.readLongChecked(never));
            assertEquals("EFAULT", missing.errnoName());
            assertTrue(missing.operation().startsWith("process_vm_readv(arena 'heap_arena', 8 bytes at offset "
                    + never), missing.operation());

            // A range from an allocated page into a missing one is EFAULT too, for every overload.
            int edge = -1;
            for (int i = 0; i < pages && edge < 0; i++) {
                if (!allocated.contains(offsets[i] + PAGE) && offsets[i] + PAGE < r.size()) {
                    edge = i;
                }
            }
            assertTrue(edge >= 0, "some allocated page is followed by a missing one");
            long across = offsets[edge] + PAGE - 8;
            ByteBuffer straddle = ByteBuffer.allocateDirect(16);
            assertEquals("EFAULT", assertThrows(BpfException.class, () -> r.readChecked(across, straddle)).errnoName());
            assertEquals(0, straddle.position(), "a failed checked read leaves the position");
            assertEquals("EFAULT", assertThrows(BpfException.class,
                    () -> r.readChecked(across, new byte[16])).errnoName());
            assertEquals("EFAULT", assertThrows(BpfException.class,
                    () -> r.readChecked(across, ByteBuffer.allocate(16))).errnoName());
            assertEquals(pattern(edge, PAGE / 8 - 1), r.readLongChecked(across), "the allocated half still reads");

            // Java changes three words; the program sees exactly those.
            BpfProgram check = obj.program("heap_check");
            assertEquals(0, check.testRun(new TestRun()).retval());
            r.writeChecked(offsets[0] + 8, longs(1), 0, 8);
            r.writeChecked(offsets[3] + 16, longs(2, 3), 0, 16);
            assertEquals(3, check.testRun(new TestRun()).retval());
            r.writeChecked(offsets[0] + 8, longs(pattern(0, 1)), 0, 8);
            r.writeChecked(offsets[3] + 16, longs(pattern(3, 2), pattern(3, 3)), 0, 16);
            assertEquals(0, check.testRun(new TestRun()).retval());

            // The twins work here too, through the kernel. Pages 4..7 are not contiguous
            // necessarily, so each structure stays in one page.
            ArenaList list = ArenaList.init(r, offsets[4]);
            for (int i = 0; i < 20; i++) {
                list.pushFront(offsets[4] + 16 + 16L * i, i);
            }
            assertEquals(20, list.count());
            assertEquals(0, r.readLongChecked(offsets[4]) >>> 32, "32-bit pointers in the list too");
            assertEquals(19, list.values()[0]);
            assertEquals(20, list.values().length);
            ArenaHashTable t = ArenaHashTable.init(r, offsets[5], 32, 16, 64);
            assertTrue(t.bytes() <= PAGE);
            t.put("heap", "checked");
            assertEquals("checked", ArenaHashTable.at(r, offsets[5]).getString("heap"));
            assertTrue(t.remove("heap"));
            assertNull(t.getString("heap"));

            // Freed pages: EFAULT, never a crash.
            assertEquals(pages, obj.program("heap_free").testRun(new TestRun()).retval());
            for (long off : offsets) {
                BpfException gone = assertThrows(BpfException.class, () -> r.readLongChecked(off));
                assertEquals("EFAULT", gone.errnoName());
                assertThrows(BpfException.class, () -> r.readChecked(off, page, 0, PAGE));
                assertThrows(BpfException.class, () -> r.writeChecked(off, page, 0, 8));
            }
            BpfException stale = assertThrows(BpfException.class, list::count);
            assertEquals("EFAULT", stale.errnoName());
            assertThrows(BpfException.class, () -> t.getString("heap"));
            assertEquals(-2, check.testRun(new TestRun()).retval(), "ENOENT: nothing live");
            assertEquals(pages, g.u64("heap_pages_freed"));
        }
    }

    // ---- the arena counter: JVM threads and a program add at once

    /**
     * Exact even while both add at once. The counter's page is touched by the
     * JVM before anyone adds: a program's write to an arena page that does not
     * exist yet is dropped (by design), so whoever came first would otherwise
     * lose increments. And "at once" is checked, not assumed: a program run
     * during which the counter grew by more than the run's own adds overlapped
     * the JVM's; attempts repeat (each exact) until one did.
     */
    @Test
    void jvmThreadsAndAProgramCountTogetherExactly() throws Exception {
        String resource = "bpf/arena_counter.bpf.o";
        try (BpfObject obj = BpfObject.openResource(resource).load()) {
            Globals g = new Globals(obj, resource);
            ArenaRegion r = obj.map("counter_arena").arena().region();
            long counter = 3 * PAGE + 64;
            r.putLong(counter, 0); // the JVM's touch allocates the page, before any program run
            g.putU64("counter_ptr", r.pointerAt(counter));
            BpfProgram inc = obj.program("counter_inc");
            int overlapped = 0;
            for (int attempt = 1; attempt <= 5 && overlapped == 0; attempt++) {
                r.putLong(counter, 0);
                g.putU64("runs", 0);
                overlapped = countTogether(r, counter, g, inc, attempt);
            }
            assertTrue(overlapped > 0, "in 5 attempts no program run overlapped the JVM threads' adds");
        }
    }

    /** One attempt, asserted exact; returns how many program runs saw JVM adds during them. */
    private static int countTogether(ArenaRegion r, long counter, Globals g, BpfProgram inc, int attempt)
            throws Exception {
        int javaThreads = 2;
        int javaAdds = 1_000_000;
        int repeat = 1_000_000;
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch javaDone = new CountDownLatch(javaThreads);
        java.util.concurrent.atomic.AtomicInteger overlapped = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(javaThreads + 1);
        long bpfRuns;
        try {
            List<Future<?>> java = new ArrayList<Future<?>>();
            for (int t = 0; t < javaThreads; t++) {
                java.add(pool.submit(() -> {
                    go.await();
                    try {
                        for (int i = 0; i < javaAdds; i++) {
                            r.getAndAddLong(counter, 1);
                        }
                    } finally {
                        javaDone.countDown();
                    }
                    return null;
                }));
            }
            // The program adds in runs of `repeat` for as long as the JVM threads add (and at least 3 runs).
            Future<Long> bpf = pool.submit(() -> {
                TestRun run = new TestRun().dataIn(Kernel.packet()).repeat(repeat);
                go.await();
                long runs = 0;
                while (runs < 3 || javaDone.getCount() > 0) {
                    long before = r.getLong(counter);
                    assertEquals(XDP_PASS, inc.testRun(run).retval());
                    if (r.getLong(counter) - before > repeat) {
                        overlapped.incrementAndGet(); // the JVM added while this run did
                    }
                    runs++;
                }
                return runs;
            });
            long start = System.nanoTime();
            go.countDown();
            for (Future<?> f : java) {
                f.get(120, TimeUnit.SECONDS);
            }
            bpfRuns = bpf.get(120, TimeUnit.SECONDS);
            System.out.println("counter, attempt " + attempt + ": " + javaThreads + " x " + javaAdds + " JVM adds and "
                    + bpfRuns + " x " + repeat + " BPF adds in " + (System.nanoTime() - start) / 1_000_000 + " ms; "
                    + overlapped + " BPF runs overlapped JVM adds");
        } finally {
            pool.shutdownNow();
        }
        assertEquals((long) javaThreads * javaAdds + bpfRuns * repeat, r.getLong(counter));
        assertEquals((long) bpfRuns * repeat, g.u64("runs"));
        return overlapped.get();
    }

    /** Use case 1 without SEGV_ON_FAULT: Java's first touch allocates a page, and the program sees it. */
    @Test
    void aPageJavaFaultedInIsThePrograms() {
        String resource = "bpf/arena_counter.bpf.o";
        try (BpfObject obj = BpfObject.openResource(resource).load()) {
            Globals g = new Globals(obj, resource);
            ArenaRegion r = obj.map("counter_arena").arena().region();
            long counter = 9 * PAGE + 8; // nobody allocated page 9
            r.putLong(counter, 1_000_000);
            g.putU64("counter_ptr", r.pointerAt(counter));
            assertEquals(XDP_PASS, obj.program("counter_inc").testRun(new TestRun().dataIn(Kernel.packet())).retval());
            assertEquals(1_000_001, r.getLong(counter));
            // counter_add tries to allocate the page first: it is there already, and the value stays.
            ByteBuffer args = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putInt(0, 5).putLong(8, 10);
            assertEquals(0, obj.program("counter_add").testRun(new TestRun().ctxIn(args.array())).retval());
            assertEquals(1_000_051, r.getLong(counter));
            // The 32-bit pointer form works as well.
            g.putU64("counter_ptr", r.pointerAt(counter) & 0xffffffffL);
            obj.program("counter_inc").testRun(new TestRun().dataIn(Kernel.packet()));
            assertEquals(1_000_052, r.getLong(counter));
        }
    }

    // ---- 4 GiB

    @Test
    void valuesCrossBothWaysAbove2GibAndAt3Point9Gib() {
        String resource = "bpf/arena_big.bpf.o";
        try (BpfObject obj = BpfObject.openResource(resource).load()) {
            Globals g = new Globals(obj, resource);
            BpfArena arena = obj.map("big_arena").arena();
            ArenaRegion r = arena.region();
            assertEquals(4L << 30, arena.size());
            assertEquals(0, arena.userVmStart() & 0xffffffffL, "a 4 GiB arena starts at a 4 GiB boundary");
            long[] off = {
                (2L << 30) + 12345L * 8,                 // above 2 GiB: past any ByteBuffer index
                (long) (3.9 * (1L << 30)) & ~7L,         // 3.9 GiB
                r.size() - 8,                            // the last word
                (3L << 30) + 7L * PAGE + 16,             // nobody touched it: the program allocates it
            };
            long[] fromJava = {0x1111_2222_3333_4444L, 0x3939_3939L, -2L, 0};
            long[] fromBpf = {0xaaaaL, 0xbbbbL, 0xccccL, 0xddddL};
            for (int i = 0; i < 3; i++) {
                r.putLong(off[i], fromJava[i]);
            }
            for (int i = 0; i < 4; i++) {
                g.putU64("big_off", i, off[i]);
                g.putU64("big_in", i, fromBpf[i]);
            }
            assertEquals(4, obj.program("big_rw").testRun(new TestRun()).retval());
            for (int i = 0; i < 4; i++) {
                assertEquals(fromJava[i], g.u64("big_seen", i), "the program saw what Java wrote at " + off[i]);
                assertEquals(i == 3 ? 1 : 0, g.s32("big_alloc", i), "slot " + i + ": allocated by the program?");
                assertEquals(fromBpf[i], r.getLong(off[i]), "Java sees what the program wrote at " + off[i]);
                long ptr = g.u64("big_ptr", i);
                assertEquals(arena.userVmStart() + off[i], ptr);
                assertEquals(off[i], r.offsetOf(ptr));
                assertEquals(off[i], r.offsetOf(ptr & 0xffffffffL));
            }
        }
    }

    // ---- __arena globals and a list the program walks

    @Test
    void arenaGlobalsStartWithTheirInitialValuesWhereTheProgramLooks() {
        String resource = "bpf/arena_globals.bpf.o";
        ElfSymbols syms = ElfSymbols.ofResource(resource);
        assertEquals(".addr_space.1", syms.symbol("g_answer").section);
        try (BpfObject obj = BpfObject.openResource(resource).load()) {
            Globals g = new Globals(obj, resource);
            BpfArena arena = obj.map("glob_arena").arena();
            ArenaRegion r = arena.region();
            BpfProgram read = obj.program("read_globals");
            assertEquals(1, read.testRun(new TestRun()).retval());
            long[] initial = {11, 22, 33, 44};
            for (int i = 0; i < 4; i++) {
                assertEquals(initial[i], g.u64("seen_values", i), "the program saw g_values[" + i + "]");
            }
            assertEquals(42, g.s32("seen_answer"), "the program saw g_answer's initial value");

            long answer = r.offsetOf(g.u64("answer_ptr"));
            long values = r.offsetOf(g.u64("values_ptr"));
            assertEquals(syms.offset("g_answer") - syms.offset("g_values"), answer - values);
            long base = values - syms.offset("g_values");
            assertTrue(base == 0 || base == arena.size() - PAGE, "globals at the start or in the last page: " + base);
            System.out.println("__arena globals at arena offset " + base + " (arena of " + arena.size() + " bytes)");
            assertEquals(42, r.getInt(answer), "Java sees 42 where the program's g_answer is");
            assertEquals(42, obj.global("g_answer").getInt(0), "BpfObject.global finds __arena globals too");
            for (int i = 0; i < 4; i++) {
                assertEquals(initial[i], r.getLong(values + 8L * i));
            }

            r.putInt(answer, 100);
            assertEquals(2, read.testRun(new TestRun()).retval());
            assertEquals(100, g.s32("seen_answer"), "the program reads what Java wrote");
            assertEquals(0, obj.program("write_globals").testRun(new TestRun()).retval());
            assertEquals(43, r.getInt(answer));
            assertEquals(4444, r.getLong(values + 24));
        }
    }

    @Test
    void theProgramWalksAListTheJvmBuilt() {
        String resource = "bpf/arena_globals.bpf.o";
        try (BpfObject obj = BpfObject.openResource(resource).load()) {
            Globals g = new Globals(obj, resource);
            ArenaRegion r = obj.map("glob_arena").arena().region();
            BpfProgram walk = obj.program("walk_list");
            long head = 16 * PAGE; // pages 16..47 are free whichever end the globals are at
            ArenaList list = ArenaList.init(r, head);
            int n = 1000;
            long sum = 0;
            for (int i = 0; i < n; i++) {
                list.pushFront(head + 16 + 16L * i, i * 3L);
                sum += i * 3L;
            }
            for (long pointer : new long[] {r.pointerAt(head), r.pointerAt(head) & 0xffffffffL}) {
                g.putU64("walk_list_ptr", pointer);
                assertEquals(0, walk.testRun(new TestRun()).retval());
                assertEquals(n, g.s64("walk_len"));
                assertEquals(sum, g.u64("walk_sum"));
                assertEquals(n, g.u64("walk_count"));
            }
            long[] nodes = list.nodeOffsets();
            assertEquals(n, nodes.length);
            assertEquals(head + 16 + 16L * (n - 1), nodes[0], "the last pushed is first");
            assertEquals((n - 1) * 3L, list.value(nodes[0]));
            assertEquals(nodes[1], list.next(nodes[0]));
            assertEquals(-1, list.next(nodes[n - 1]));
            list.setValue(nodes[0], 0);
            walk.testRun(new TestRun());
            assertEquals(sum - (n - 1) * 3L, g.u64("walk_sum"));

            // Corrupt lists: Java throws, BPF stops at its bound; nobody loops forever.
            long cycle = 40 * PAGE;
            ArenaList bad = ArenaList.init(r, cycle);
            for (int i = 0; i < 5; i++) {
                bad.pushFront(cycle + 16 + 16L * i, i);
            }
            r.writePointer(cycle + 16, cycle + 16 + 16 * 2); // node 0 -> node 2: a cycle 2, 1, 0, 2, ...
            IllegalStateException e = assertThrows(IllegalStateException.class, bad::values);
            assertTrue(e.getMessage().contains("more nodes than its count"), e.getMessage());
            r.putLong(cycle + 8, Long.MAX_VALUE); // a corrupt count too: Brent's check finds the cycle
            e = assertThrows(IllegalStateException.class, bad::values);
            assertTrue(e.getMessage().contains("cycle"), e.getMessage());
            g.putU64("walk_list_ptr", r.pointerAt(cycle));
            assertEquals(0, walk.testRun(new TestRun()).retval());
            assertEquals(-1, g.s64("walk_len"), "BPF's walk is bounded too");
            r.putLong(cycle + 16, 0x1234); // a pointer outside the arena
            e = assertThrows(IllegalStateException.class, bad::values);
            assertTrue(e.getMessage().contains("outside the arena"), e.getMessage());
        }
    }

    // ---- helpers

    /** Globals of an object, by name, through {@link BpfObject#global(String)}. */
    static final class Globals {
        private final BpfObject obj;
        private final Map<String, ByteBuffer> buffers = new HashMap<String, ByteBuffer>();

        Globals(BpfObject obj, String resource) {
            this.obj = obj;
        }

        private ByteBuffer buffer(String name) {
            ByteBuffer b = buffers.get(name);
            if (b == null) {
                b = obj.global(name);
                buffers.put(name, b);
            }
            return b;
        }

        private int at(String name, int index, int size) {
            if ((long) (index + 1) * size > buffer(name).capacity()) {
                throw new IndexOutOfBoundsException(name + "[" + index + "] of " + buffer(name).capacity() + " bytes");
            }
            return index * size;
        }

        long u64(String name) {
            return u64(name, 0);
        }

        long u64(String name, int index) {
            return buffer(name).getLong(at(name, index, 8));
        }

        long s64(String name) {
            return u64(name);
        }

        int u32(String name) {
            return buffer(name).getInt(at(name, 0, 4));
        }

        int s32(String name) {
            return u32(name);
        }

        int s32(String name, int index) {
            return buffer(name).getInt(at(name, index, 4));
        }

        void putU64(String name, long value) {
            putU64(name, 0, value);
        }

        void putU64(String name, int index, long value) {
            buffer(name).putLong(at(name, index, 8), value);
        }
    }

    /** Bytes this thread allocates in 10,000 calls of {@code r}, after 20,000 to warm up. */
    static long allocatedBy(Runnable r) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) {
            r.run();
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 10_000; i++) {
            r.run();
        }
        return threads.getThreadAllocatedBytes(tid) - before;
    }

    static long pattern(int page, int word) {
        return (0xB4F4L << 48) | ((long) page << 16) | word;
    }

    static byte[] ints(int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.nativeOrder());
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }

    static byte[] longs(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.nativeOrder());
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    /** struct kv_put_args: key[16], value[64], flags. */
    static byte[] putArgs(String key, String value, long flags) {
        ByteBuffer b = ByteBuffer.allocate(88).order(ByteOrder.nativeOrder());
        b.put(ArenaHashTable.ascii(key, 16)).put(ArenaHashTable.ascii(value, 64)).putLong(flags);
        return b.array();
    }

    static String repeat(char c, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(c);
        }
        return s.toString();
    }

    /** {@code count} keys ("c<i>") whose FNV-1a puts them in the same home slot of a table of {@code capacity}. */
    static List<String> sameHome(int capacity, int count) {
        Map<Integer, List<String>> byHome = new HashMap<Integer, List<String>>();
        for (int i = 0;; i++) {
            String k = "c" + i;
            int home = ArenaHashTable.fnv1a(ArenaHashTable.ascii(k, 16)) & (capacity - 1);
            List<String> l = byHome.get(home);
            if (l == null) {
                l = new ArrayList<String>();
                byHome.put(home, l);
            }
            l.add(k);
            if (l.size() == count) {
                return l;
            }
        }
    }

    // ---- packets: Ethernet / IPv4 / UDP

    static final byte[] CLIENT_MAC = {0x02, 0, 0, 0, 0, 0x02};
    static final byte[] SERVER_MAC = {0x02, 0, 0, 0, 0, 0x01};
    static final byte[] CLIENT_IP = {10, (byte) 199, 0, 2};
    static final byte[] SERVER_IP = {10, (byte) 199, 0, 1};

    static byte[] request(String key, String terminator) {
        return udp(KV_PORT, "GET " + key + terminator);
    }

    /** A UDP datagram from 10.199.0.2:40000 to 10.199.0.1:{@code port} with a valid IP checksum. */
    static byte[] udp(int port, String payload) {
        byte[] data = payload.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer p = ByteBuffer.allocate(14 + 20 + 8 + data.length); // network order
        p.put(SERVER_MAC).put(CLIENT_MAC).putShort((short) 0x0800);
        p.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 8 + data.length)).putShort((short) 0x1234)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 17).putShort((short) 0).put(CLIENT_IP)
                .put(SERVER_IP);
        p.putShort((short) 40000).putShort((short) port).putShort((short) (8 + data.length)).putShort((short) 0);
        p.put(data);
        byte[] packet = p.array();
        int sum = ipChecksum(packet, 14);
        packet[24] = (byte) (sum >> 8);
        packet[25] = (byte) sum;
        return packet;
    }

    /** The one's complement checksum of the 20-byte IP header at {@code at} (0 in the checksum field: the value to store). */
    static int ipChecksum(byte[] p, int at) {
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ((p[at + i] & 0xff) << 8) | (p[at + i + 1] & 0xff);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return ~sum & 0xffff;
    }

    /** The reply kv_get made of {@code req}: addresses and ports swapped, "VALUE <value>", valid lengths and checksum. */
    static void checkReply(byte[] req, byte[] out, int size, String value) {
        byte[] payload = ("VALUE " + value).getBytes(StandardCharsets.US_ASCII);
        assertEquals(14 + 20 + 8 + payload.length, size, "reply size");
        ByteBuffer p = ByteBuffer.wrap(out, 0, size);
        assertArrayEquals(slice(req, 6, 6), slice(out, 0, 6), "destination MAC = request's source");
        assertArrayEquals(slice(req, 0, 6), slice(out, 6, 6), "source MAC = request's destination");
        assertEquals(0x0800, p.getShort(12) & 0xffff);
        assertEquals(20 + 8 + payload.length, p.getShort(16) & 0xffff, "IP total length");
        assertEquals(0, ipChecksum(out, 14), "the IP header checksums to 0xffff");
        assertNotEquals(0, p.getShort(24), "a checksum is there");
        assertArrayEquals(slice(req, 30, 4), slice(out, 26, 4), "source IP = request's destination");
        assertArrayEquals(slice(req, 26, 4), slice(out, 30, 4), "destination IP = request's source");
        assertEquals(ByteBuffer.wrap(req).getShort(34) & 0xffff, p.getShort(36) & 0xffff, "destination port");
        assertEquals(KV_PORT, p.getShort(34) & 0xffff, "source port");
        assertEquals(8 + payload.length, p.getShort(38) & 0xffff, "UDP length");
        assertEquals(0, p.getShort(40), "no UDP checksum");
        assertArrayEquals(payload, slice(out, 42, payload.length));
    }

    static byte[] slice(byte[] b, int at, int n) {
        byte[] s = new byte[n];
        System.arraycopy(b, at, s, 0, n);
        return s;
    }
}
