/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.internal.Native;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import java.net.SocketOption;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every map type libbpf 1.7 knows: created on its own with {@link BpfMap#create}
 * where no BTF is needed, or from {@code test-bpf/map_types.bpf.c} where it
 * is, then exercised with the operations the type supports, on the real
 * kernel. Each created map's {@link MapInfo} is checked against its spec, and
 * the map is reopened by id and by fd.
 *
 * <p>Each test that shows a type behaving as that type says so with
 * {@link Covers}; {@link #everyMapTypeHasATestOrAReasonedExclusion} derives
 * the coverage from {@link MapType#values()}, so a new constant without a
 * test (or a stated reason in {@link #NOT_COVERED}) fails the build.
 */
class MapTypesTest {
    /**
     * The map types a test shows behaving as themselves (an operation only
     * that type answers that way: eviction, FIFO order, prefix match, the
     * kernel's refusal with its exact errno...). Creating a map does not count.
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface Covers {
        MapType[] value();
    }

    /** Test classes whose {@link Covers} count. */
    private static final List<Class<?>> COVERING_CLASSES = Arrays.<Class<?>>asList(MapTypesTest.class,
            MapSpecTest.class);

    /** Types no test here shows working, each with the reason. Keep it short: a reason, not an excuse. */
    static final Map<MapType, String> NOT_COVERED = new EnumMap<MapType, String>(MapType.class);

    static {
        NOT_COVERED.put(MapType.INSN_ARRAY, "instruction arrays (BPF_MAP_TYPE_INSN_ARRAY, Linux 6.19+) hold a"
                + " program's jump-table offsets and are filled by libbpf while it loads that program; bpf4j has no"
                + " API for them (MapSpec refuses the type, see mapSpecRefersTypesThatNeedBtfToObjects, which checks why) and no"
                + " test-bpf object emits a jump table");
    }
    static final String OBJECT = "bpf/map_types.bpf.o";

    /** Closed after each test, last opened first. */
    private final Deque<AutoCloseable> toClose = new ArrayDeque<AutoCloseable>();

    @BeforeEach
    void requireBpf() {
        Kernel.requireBpf();
    }

    @AfterEach
    void closeAll() throws Exception {
        while (!toClose.isEmpty()) {
            toClose.pop().close();
        }
    }

    // ---- helpers (package-private: BatchTest and PerCpuTest use them too)

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    static int u32(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getInt(0);
    }

    static long u64(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getLong(0);
    }

    /** Skips the test, saying why, if this kernel cannot create {@code type} maps. */
    static void requireType(MapType type) {
        if (type == MapType.ARENA) {
            Kernel.assumeArenas(); // some machines refuse arenas with EPERM, which probe throws
            return;
        }
        assumeTrue(Bpf4j.probe(type), "this kernel has no " + type + " maps (libbpf_probe_bpf_map_type says no)");
    }

    /** A field of /proc/self/fdinfo/<fd>, e.g. map_id, prog_id, map_type. */
    static String fdInfo(int fd, String field) throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/fdinfo/" + fd), StandardCharsets.US_ASCII)) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new AssertionError("no " + field + " in /proc/self/fdinfo/" + fd);
    }

    /** The fd of a UDP socket bound to 127.0.0.1, found through its inode in /proc/net/udp. */
    static int socketFd(DatagramChannel ch) throws IOException {
        int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
        String local = String.format("0100007F:%04X", port);
        String inode = null;
        for (String line : Files.readAllLines(Paths.get("/proc/net/udp"), StandardCharsets.US_ASCII)) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 9 && f[1].equalsIgnoreCase(local)) {
                inode = f[9];
            }
        }
        assertNotNull(inode, "socket 127.0.0.1:" + port + " not in /proc/net/udp");
        return OpenFds.newFd(OpenFds.none(), "socket:[" + inode + "]");
    }

    /** The cgroup v2 mount point, or null (hybrid hosts mount it at /sys/fs/cgroup/unified). */
    static String cgroup2Mount() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/mounts"), StandardCharsets.US_ASCII)) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[2].equals("cgroup2")) {
                return f[1];
            }
        }
        return null;
    }

    /** Opens a directory read-only (Java can on Linux) and returns the channel and its fd. */
    private int openDirectory(String dir) throws IOException {
        Map<Integer, String> before = OpenFds.snapshot();
        FileChannel ch = FileChannel.open(Paths.get(dir), StandardOpenOption.READ);
        toClose.push(ch);
        return OpenFds.newFd(before, dir);
    }

    private DatagramChannel udpSocket() throws IOException {
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET); // in /proc/net/udp
        toClose.push(ch);
        ch.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        return ch;
    }

    /**
     * Creates the map (skipping the test if the kernel lacks the type), checks
     * that the kernel describes it as asked and that it can be reopened by id
     * and by fd; closed after the test.
     */
    private BpfMap create(MapSpec spec) throws IOException {
        requireType(spec.type());
        BpfMap m = BpfMap.create(spec);
        toClose.push(m);
        assertDescribes(spec, m);
        assertReopens(m);
        return m;
    }

    private static void assertDescribes(MapSpec spec, BpfMap m) throws IOException {
        MapInfo info = m.info();
        String what = spec + " -> " + info;
        assertEquals(spec.type(), info.type(), what);
        assertEquals(spec.type().id(), info.typeId(), what);
        assertEquals(spec.keySize(), info.keySize(), what);
        assertEquals(spec.valueSize(), info.valueSize(), what);
        assertEquals(spec.maxEntries(), info.maxEntries(), what);
        // The kernel marks device maps read-only for programs (they may only redirect through them).
        boolean devmap = spec.type() == MapType.DEVMAP || spec.type() == MapType.DEVMAP_HASH;
        assertEquals(MapFlag.bits(spec.flags()) | (devmap ? MapFlag.RDONLY_PROG.bit() : 0), info.flagBits(), what);
        assertEquals(spec.mapExtra(), info.mapExtra(), what);
        assertEquals(spec.name() == null ? "" : spec.name(), info.name(), what);
        assertEquals(0, info.ifindex(), what);
        assertEquals(0, info.btfId(), "made without BTF: " + what);
        assertTrue(info.id() > 0, what);
        // The BpfMap's own view agrees with the kernel's.
        assertEquals(info.type(), m.type());
        assertEquals(info.typeId(), m.typeId());
        assertEquals(info.keySize(), m.keySize());
        assertEquals(info.valueSize(), m.valueSize());
        assertEquals(info.maxEntries(), m.maxEntries());
        assertEquals(info.flags(), m.flags());
        assertEquals(info.mapExtra(), m.mapExtra());
        assertEquals(info.name(), m.name());
        assertNull(m.object());
        // And so does /proc.
        assertEquals(String.valueOf(info.id()), fdInfo(m.fd(), "map_id"));
        assertEquals(String.valueOf(info.typeId()), fdInfo(m.fd(), "map_type"));
        assertEquals(String.valueOf(info.maxEntries()), fdInfo(m.fd(), "max_entries"));
    }

    /**
     * fromId and fromFd reach the same kernel map, on fds of their own. Without CAP_SYS_ADMIN (a container with
     * the BPF capabilities) only fromFd: the rest of the map type's test still runs.
     */
    private static void assertReopens(BpfMap m) {
        MapInfo info = m.info();
        BpfFds before = BpfFds.snapshot();
        BpfMap byId = Kernel.hasSysAdmin() ? BpfMap.fromId(info.id()) : null;
        BpfMap byFd = BpfMap.fromFd(m.fd());
        try {
            for (BpfMap other : byId == null ? Arrays.asList(byFd) : Arrays.asList(byId, byFd)) {
                MapInfo o = other.info();
                assertEquals(info.id(), o.id());
                assertEquals(info.type(), o.type());
                assertEquals(info.keySize(), o.keySize());
                assertEquals(info.valueSize(), o.valueSize());
                assertEquals(info.maxEntries(), o.maxEntries());
                assertEquals(info.flags(), o.flags());
                assertEquals(info.name(), other.name());
                assertNotEquals(m.fd(), other.fd(), "a fd of its own");
            }
        } finally {
            if (byId != null) {
                byId.close();
            }
            byFd.close();
        }
        assertEquals(info.id(), m.info().id(), "closing the reopened maps leaves the original open");
        BpfFds.assertNoneAddedSince(before, "reopened by id and fd, then closed");
    }

    /** Skips the test unless this kernel has every map type map_types.bpf.c declares (one missing fails its load). */
    static void requireObjectTypes() {
        for (MapType t : Arrays.asList(MapType.SK_STORAGE, MapType.INODE_STORAGE, MapType.TASK_STORAGE,
                MapType.CGRP_STORAGE, MapType.CGROUP_STORAGE, MapType.PERCPU_CGROUP_STORAGE, MapType.PERCPU_ARRAY,
                MapType.PERCPU_HASH)) {
            requireType(t);
        }
    }

    private BpfObject loadObject() {
        requireObjectTypes();
        BpfObject obj = BpfObject.openResource(OBJECT).load();
        toClose.push(obj);
        return obj;
    }

    /** The kernel says this type cannot do that: exactly {@code errnoName} (EOPNOTSUPP or the kernel-internal ENOTSUPP). */
    private static void assertNotSupported(String errnoName, Executable call) {
        BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class, call);
        assertEquals(errnoName, e.errnoName(), e.toString());
    }

    /** A kernel refusal with exactly this exception class and errno name. */
    private static <T extends BpfException> T assertErrno(Class<T> type, String errnoName, Executable call) {
        T e = assertThrows(type, call);
        assertEquals(errnoName, e.errnoName(), e.toString());
        return e;
    }

    // ---- hash maps

    @Test
    @Covers({MapType.HASH})
    void hash() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(16).name("mt_hash"));
        assertNull(m.lookup(u32(1)));
        for (int i = 0; i < 16; i++) {
            m.update(u32(i), u64(i * 10L), UpdateMode.NO_EXIST);
        }
        assertEquals(90L, u64(m.lookup(u32(9))));
        BpfMapFullException full = assertThrows(BpfMapFullException.class, () -> m.update(u32(16), u64(0)));
        assertEquals("E2BIG", full.errnoName());
        assertTrue(full.getMessage().contains("full"), full.getMessage());
        m.update(u32(9), u64(99), UpdateMode.EXIST); // replacing needs no room
        assertEquals(99L, u64(m.lookup(u32(9))));
        assertArrayEquals(u64(99), m.lookupAndDelete(u32(9)));
        assertNull(m.lookup(u32(9)));
        m.update(u32(16), u64(160)); // room again
        Set<Integer> keys = new HashSet<Integer>();
        for (byte[] k : m.keys()) {
            assertTrue(keys.add(u32(k)));
        }
        assertEquals(16, keys.size());
        assertFalse(keys.contains(9));
        assertTrue(keys.contains(16));
    }

    /** Writes through one handle are seen through another; closing one leaves the other open. */
    @Test
    void reopenedHandlesShareTheMapAndCloseIndependently() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(8).name("mt_shared"));
        Kernel.requireSysAdmin("BpfMap.fromId"); // what follows needs the map reopened by id
        BpfMap byId = BpfMap.fromId(m.info().id());
        toClose.push(byId);
        BpfMap byFd = BpfMap.fromFd(m.fd());
        toClose.push(byFd);

        m.update(u32(1), u64(11));
        assertArrayEquals(u64(11), byId.lookup(u32(1)));
        assertArrayEquals(u64(11), byFd.lookup(u32(1)));
        byId.update(u32(2), u64(22));
        assertArrayEquals(u64(22), m.lookup(u32(2)));
        byFd.update(u32(3), u64(33));
        assertArrayEquals(u64(33), byId.lookup(u32(3)));

        int byFdFd = byFd.fd();
        byId.close();
        assertThrows(IllegalStateException.class, () -> byId.lookup(u32(1)));
        assertArrayEquals(u64(33), m.lookup(u32(3)), "the original is still open");
        m.close();
        assertThrows(IllegalStateException.class, () -> m.lookup(u32(1)));
        assertArrayEquals(u64(22), byFd.lookup(u32(2)), "fromFd works on its own duplicate");
        assertEquals(byFdFd, byFd.fd());
        byFd.update(u32(4), u64(44));
        byFd.close();
        byFd.close(); // idempotent
    }

    private static MapSpec hashSpec() {
        return MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(16);
    }

    /** BPF_F_RDONLY / BPF_F_WRONLY restrict this fd only; the kernel drops them from the map's flags. */
    @Test
    void readOnlyAndWriteOnlyFds() throws IOException {
        Kernel.requireSysAdmin("BpfMap.fromId");
        requireType(MapType.HASH);
        BpfMap ro = BpfMap.create(hashSpec().flags(MapFlag.RDONLY).name("mt_rdonly"));
        toClose.push(ro);
        assertFalse(ro.info().flags().contains(MapFlag.RDONLY), "an fd property, not the map's");
        BpfPermissionException write = assertThrows(BpfPermissionException.class, () -> ro.update(u32(1), u64(1)));
        assertEquals("EPERM", write.errnoName());
        assertNull(ro.lookup(u32(1)), "reading is fine");
        BpfMap rw = BpfMap.fromId(ro.info().id());
        toClose.push(rw);
        rw.update(u32(1), u64(5)); // a new fd by id is read-write
        assertArrayEquals(u64(5), ro.lookup(u32(1)));

        BpfMap wo = BpfMap.create(hashSpec().flags(MapFlag.WRONLY).name("mt_wronly"));
        toClose.push(wo);
        wo.update(u32(2), u64(2));
        assertErrno(BpfPermissionException.class, "EPERM", () -> wo.lookup(u32(2)));
    }

    @Test
    void reopeningSomethingThatIsNotAMapFailsCleanly() throws IOException {
        Kernel.requireSysAdmin("BpfMap.fromId");
        BpfFds bpfBefore = BpfFds.snapshot();
        BpfException noSuchId = assertThrows(BpfException.class, () -> BpfMap.fromId(Integer.MAX_VALUE));
        assertEquals("ENOENT", noSuchId.errnoName());
        // No errno exists for these: -1 is no fd at all, and a file is no map.
        IllegalArgumentException badFd = assertThrows(IllegalArgumentException.class, () -> BpfMap.fromFd(-1));
        assertTrue(badFd.getMessage().contains("-1"), badFd.getMessage());
        BpfFds.assertNoneAddedSince(bpfBefore, "failed reopens");
        Path file = Files.createTempFile("bpf4j-notamap", ".tmp");
        try {
            Map<Integer, String> before = OpenFds.snapshot();
            toClose.push(FileChannel.open(file, StandardOpenOption.READ));
            int fileFd = OpenFds.newFd(before, file.toString());
            IllegalArgumentException notAMap = assertThrows(IllegalArgumentException.class,
                    () -> BpfMap.fromFd(fileFd));
            // The temporary file is this test's alone: exactly our own fd is open on it, not the duplicate too.
            assertEquals(Arrays.asList(fileFd), Kernel.fdsOpenOn(file.toString()), "the duplicate fd is closed again");
            assertTrue(notAMap.getMessage().contains("not a BPF map"), notAMap.getMessage());
        } finally {
            Files.delete(file);
        }
    }

    /**
     * A program fd is a BPF object too, and BPF_OBJ_GET_INFO_BY_FD answers for
     * it with a bpf_prog_info: that must not be read as a map.
     */
    @Test
    void aProgramIsNotAMap() throws Exception {
        BpfObject obj = loadObject();
        final BpfProgram pass = obj.program("pass");
        try (Kernel.PrivateBpfFs bpffs = Kernel.privateBpfFs()) {
            final Path pin = bpffs.resolve("bpf4j-maptypes-prog");
            pass.pin(pin);
            try {
                BpfFds before = BpfFds.snapshot();
                assertAll(
                () -> assertNotAMap("fromFd(program fd)", () -> BpfMap.fromFd(pass.fd())),
                () -> assertNotAMap("openPinned(pinned program)", () -> Pins.openMap(pin)));
                BpfFds.assertNoneAddedSince(before, "the fds opened for the attempts are closed again");
            } finally {
                Pins.unpin(pin);
            }
        }
    }

    private void assertNotAMap(String call, Callable<BpfMap> open) throws Exception {
        BpfMap bogus;
        try {
            bogus = open.call();
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("not a BPF map"), expected.getMessage());
            return;
        }
        toClose.push(bogus);
        fail(call + " made a map of a program's info: " + bogus + ", " + bogus.info());
    }

    @Test
    @Covers({MapType.PERCPU_HASH})
    void percpuHash() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.PERCPU_HASH).keySize(4).valueSize(12).maxEntries(8).name("mt_pcpu_hash"));
        int cpus = BpfMap.possibleCpus();
        assertEquals(16 * cpus, m.valueBufferSize(), "12-byte values padded to 16 per CPU");
        byte[][] values = new byte[cpus][];
        for (int c = 0; c < cpus; c++) {
            values[c] = new byte[12];
            Arrays.fill(values[c], (byte) (c + 1));
        }
        m.updatePerCpu(u32(5), values, UpdateMode.NO_EXIST);
        byte[][] back = m.lookupPerCpu(u32(5));
        for (int c = 0; c < cpus; c++) {
            assertArrayEquals(values[c], back[c], "cpu " + c);
        }
        assertNull(m.lookupPerCpu(u32(6)));
        assertTrue(m.delete(u32(5)));
    }

    @Test
    @Covers({MapType.LRU_HASH})
    void lruHashEvictsInsteadOfFilling() throws IOException {
        int max = 64;
        BpfMap m = create(MapSpec.of(MapType.LRU_HASH).keySize(4).valueSize(8).maxEntries(max).name("mt_lru"));
        for (int i = 0; i < 2 * max; i++) {
            m.update(u32(i), u64(i)); // never E2BIG: the least recently used goes
        }
        int count = 0;
        for (byte[] k : m.keys()) {
            count++;
            assertEquals(u32(k), (int) u64(m.lookup(k)), "values stay with their keys");
        }
        assertTrue(count > 0 && count <= max, count + " elements in an LRU map of " + max);
        assertArrayEquals(u64(2 * max - 1), m.lookup(u32(2 * max - 1)), "the newest element is there");
    }

    @Test
    @Covers({MapType.LRU_PERCPU_HASH})
    void lruPercpuHash() throws IOException {
        int max = 32;
        BpfMap m = create(MapSpec.of(MapType.LRU_PERCPU_HASH).keySize(4).valueSize(8).maxEntries(max)
                .name("mt_lru_pcpu"));
        int cpus = BpfMap.possibleCpus();
        assertEquals(8 * cpus, m.valueBufferSize());
        for (int i = 0; i < 2 * max; i++) {
            m.updateAllCpus(u32(i), u64(i), UpdateMode.ANY);
        }
        int count = 0;
        for (byte[] k : m.keys()) {
            count++;
        }
        assertTrue(count > 0 && count <= max, count + " elements in an LRU map of " + max);
        byte[][] newest = m.lookupPerCpu(u32(2 * max - 1));
        assertNotNull(newest);
        for (int c = 0; c < cpus; c++) {
            assertArrayEquals(u64(2 * max - 1), newest[c], "cpu " + c);
        }
    }

    // ---- arrays

    @Test
    @Covers({MapType.ARRAY})
    void array() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.ARRAY).valueSize(12).maxEntries(4).name("mt_array"));
        assertEquals(4, m.keySize(), "MapSpec.of(ARRAY) fills in the u32 key");
        assertArrayEquals(new byte[12], m.lookup(u32(3)), "array elements always exist, zeroed");
        assertNull(m.lookup(u32(4)), "beyond max_entries is a miss");
        byte[] v = "twelve bytes".getBytes(StandardCharsets.US_ASCII);
        m.update(u32(3), v);
        assertArrayEquals(v, m.lookup(u32(3)));
        BpfException beyond = assertThrows(BpfInvalidArgumentException.class, () -> m.update(u32(4), v));
        assertEquals("E2BIG", beyond.errnoName());
        assertFalse(m.update(u32(0), v, UpdateMode.NO_EXIST), "every index exists: NO_EXIST answers false");
        BpfException delete = assertThrows(BpfInvalidArgumentException.class, () -> m.delete(u32(0)));
        assertEquals("EINVAL", delete.errnoName());
        assertArrayEquals(u32(1), m.nextKey(u32(0)));
        assertNull(m.nextKey(u32(3)));
    }

    @Test
    void mmapableArraySharesItsMemory() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.ARRAY).valueSize(12).maxEntries(100).flags(MapFlag.MMAPABLE)
                .name("mt_mmap"));
        ByteBuffer mem = m.mmap();
        assertEquals(100 * 16, mem.capacity(), "12-byte values are 16 apart");
        assertEquals(ByteOrder.nativeOrder(), mem.order());
        m.update(u32(7), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        assertEquals(1, mem.get(7 * 16));
        assertEquals(12, mem.get(7 * 16 + 11));
        mem.putInt(99 * 16, 0xcafe);
        assertEquals(0xcafe, u32(m.lookup(u32(99))));

        // Closing detaches the buffer: it stays usable, on private zero pages the kernel map no longer sees.
        Kernel.requireSysAdmin("BpfMap.fromId"); // what follows needs the map reopened by id
        BpfMap other = BpfMap.fromId(m.info().id());
        toClose.push(other);
        ByteBuffer otherMem = other.mmap();
        m.close();
        assertEquals(0, mem.getInt(99 * 16), "detached: private zero pages");
        mem.putInt(99 * 16, 0xbeef);
        assertEquals(0xbeef, mem.getInt(99 * 16));
        assertEquals(0xcafe, u32(other.lookup(u32(99))), "the kernel's map did not see the write");
        assertEquals(0xcafe, otherMem.getInt(99 * 16), "another handle's mapping still shares it");
        otherMem.putInt(0, 7);
        assertEquals(7, u32(other.lookup(u32(0))));
    }

    @Test
    @Covers({MapType.PERCPU_ARRAY})
    void percpuArray() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.PERCPU_ARRAY).valueSize(4).maxEntries(2).name("mt_pcpu_arr"));
        int cpus = BpfMap.possibleCpus();
        assertEquals(8 * cpus, m.valueBufferSize());
        byte[][] zero = m.lookupPerCpu(u32(1));
        assertEquals(cpus, zero.length);
        for (byte[] z : zero) {
            assertArrayEquals(new byte[4], z);
        }
        m.updateAllCpus(u32(1), u32(0x01020304), UpdateMode.EXIST);
        for (byte[] v : m.lookupPerCpu(u32(1))) {
            assertArrayEquals(u32(0x01020304), v);
        }
        // One slot per possible CPU, each its own: distinct values come back in CPU order.
        byte[][] distinct = new byte[cpus][];
        for (int c = 0; c < cpus; c++) {
            distinct[c] = u32(1000 + c);
        }
        m.updatePerCpu(u32(0), distinct, UpdateMode.ANY);
        byte[][] back = m.lookupPerCpu(u32(0));
        for (int c = 0; c < cpus; c++) {
            assertArrayEquals(u32(1000 + c), back[c], "cpu " + c);
        }
        assertArrayEquals(u32(0x01020304), m.lookupPerCpu(u32(1))[cpus - 1], "another key's slots are untouched");
        assertNull(m.lookupPerCpu(u32(2)));
    }

    /** The kernel answers a user-space lookup in a PROG_ARRAY with the program's id. */
    @Test
    @Covers({MapType.PROG_ARRAY})
    void progArrayHoldsProgramsAndAnswersLookupsWithTheirIds() throws IOException {
        BpfObject obj = loadObject();
        BpfProgram pass = obj.program("pass");
        int progId = Integer.parseInt(fdInfo(pass.fd(), "prog_id"));
        BpfMap m = create(MapSpec.of(MapType.PROG_ARRAY).maxEntries(4).name("mt_progs"));
        assertNull(m.lookup(u32(0)), "an empty slot is a miss");
        m.update(u32(0), u32(pass.fd()));
        assertEquals(progId, u32(m.lookup(u32(0))), "lookup returns the program id, not the fd");
        BpfException mode = assertThrows(BpfInvalidArgumentException.class,
                () -> m.update(u32(0), u32(pass.fd()), UpdateMode.NO_EXIST));
        assertEquals("EINVAL", mode.errnoName(), "fd arrays only take UPDATE_ANY");
        // bpf_prog_get() on a map fd: EINVAL.
        assertErrno(BpfInvalidArgumentException.class, "EINVAL", () -> m.update(u32(1), u32(m.fd())));
        assertErrno(BpfInvalidArgumentException.class, "E2BIG", () -> m.update(u32(4), u32(pass.fd())));
        assertTrue(m.delete(u32(0)));
        assertFalse(m.delete(u32(0)));
        assertNull(m.lookup(u32(0)));
    }

    @Test
    @Covers({MapType.PERF_EVENT_ARRAY})
    void perfEventArrayHasOneSlotPerCpu() throws IOException {
        int cpus = BpfMap.possibleCpus();
        BpfMap m = create(MapSpec.of(MapType.PERF_EVENT_ARRAY).maxEntries(cpus).name("mt_perf"));
        assertEquals(4, m.keySize());
        assertEquals(4, m.valueSize());
        // No fd -> id translation exists for perf events: user space cannot read them back.
        assertNotSupported("ENOTSUPP", () -> m.lookup(u32(0)));
        // Only perf event fds go in: perf_event_get() says EBADF for any other file.
        assertErrno(BpfException.class, "EBADF", () -> m.update(u32(0), u32(m.fd())));
        assertErrno(BpfInvalidArgumentException.class, "E2BIG", () -> m.update(u32(cpus), u32(m.fd())));
        assertFalse(m.delete(u32(0)));
    }

    @Test
    @Covers({MapType.STACK_TRACE})
    void stackTrace() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.STACK_TRACE).valueSize(8 * 16).maxEntries(64).name("mt_stacks"));
        assertNull(m.lookup(u32(1)), "no stack recorded under id 1");
        assertNull(m.nextKey(null), "empty");
        // Only bpf_get_stackid() records stacks: user space cannot write one (stack_map_update_elem).
        assertErrno(BpfInvalidArgumentException.class, "EINVAL", () -> m.update(u32(1), new byte[8 * 16]));
        assertFalse(m.delete(u32(1)), "deleting an id with no stack is a miss");
        BpfException odd = assertThrows(BpfInvalidArgumentException.class,
                () -> BpfMap.create(MapSpec.of(MapType.STACK_TRACE).valueSize(12).maxEntries(4)));
        assertEquals("EINVAL", odd.errnoName(), "stack trace values are whole u64 instruction pointers");
        assertTrue(odd.getMessage().contains("value 12"), odd.getMessage());
    }

    @Test
    @Covers({MapType.CGROUP_ARRAY})
    void cgroupArrayHoldsCgroupFds() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.CGROUP_ARRAY).maxEntries(2).name("mt_cgroups"));
        String cgroup2 = cgroup2Mount();
        assumeTrue(cgroup2 != null, "no cgroup v2 mounted: created the map, nothing to put in it");
        int dirFd = openDirectory(cgroup2);
        m.update(u32(0), u32(dirFd));
        assertNotSupported("ENOTSUPP", () -> m.lookup(u32(0))); // cgroups have no id to hand back
        // Only cgroup directories go in: any other fd is EBADF (cgroup_v1v2_get_from_fd).
        assertErrno(BpfException.class, "EBADF", () -> m.update(u32(1), u32(m.fd())));
        assertTrue(m.delete(u32(0)));
        assertFalse(m.delete(u32(0)));
    }

    // ---- tries

    private static byte[] lpmKey(int prefixLen, int a, int b, int c, int d) {
        ByteBuffer k = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        k.putInt(prefixLen); // host order
        k.put((byte) a).put((byte) b).put((byte) c).put((byte) d); // the address, network order
        return k.array();
    }

    @Test
    @Covers({MapType.LPM_TRIE})
    void lpmTrieMatchesTheLongestPrefix() throws IOException {
        MapSpec spec = MapSpec.of(MapType.LPM_TRIE).keySize(8).valueSize(4).maxEntries(16).name("mt_lpm");
        assertEquals(java.util.EnumSet.of(MapFlag.NO_PREALLOC), spec.flags(), "MapSpec.of(LPM_TRIE) sets BPF_F_NO_PREALLOC");
        BpfMap m = create(spec);
        m.update(lpmKey(8, 10, 0, 0, 0), u32(8));
        m.update(lpmKey(16, 10, 1, 0, 0), u32(16));
        assertEquals(16, u32(m.lookup(lpmKey(32, 10, 1, 2, 3))), "10.1.2.3 is in 10.1.0.0/16");
        assertEquals(8, u32(m.lookup(lpmKey(32, 10, 2, 0, 1))), "10.2.0.1 only in 10.0.0.0/8");
        assertNull(m.lookup(lpmKey(32, 11, 0, 0, 1)), "11.0.0.1 matches nothing");
        int n = 0;
        for (byte[] k : m.keys()) {
            n++;
            assertTrue(Arrays.equals(k, lpmKey(8, 10, 0, 0, 0)) || Arrays.equals(k, lpmKey(16, 10, 1, 0, 0)));
        }
        assertEquals(2, n);
        assertTrue(m.delete(lpmKey(16, 10, 1, 0, 0)));
        assertEquals(8, u32(m.lookup(lpmKey(32, 10, 1, 2, 3))), "with the /16 gone, the /8 matches");
        assertErrno(BpfInvalidArgumentException.class, "EINVAL", () -> m.update(lpmKey(33, 10, 0, 0, 0), u32(1)));
    }

    // ---- maps of maps

    @Test
    @Covers({MapType.ARRAY_OF_MAPS})
    void arrayOfMaps() throws IOException {
        mapOfMaps(MapType.ARRAY_OF_MAPS, u32(1));
    }

    @Test
    @Covers({MapType.HASH_OF_MAPS})
    void hashOfMaps() throws IOException {
        mapOfMaps(MapType.HASH_OF_MAPS, u64(0x1234567890L));
    }

    private void mapOfMaps(MapType outerType, byte[] key) throws IOException {
        MapSpec innerSpec = MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(4);
        BpfMap template = create(innerSpec.name("mt_template"));
        BpfMap outer = create(MapSpec.of(outerType).keySize(key.length).maxEntries(4).innerMap(template)
                .name("mt_outer"));
        assertEquals(4, outer.valueSize());
        BpfMap inner = create(innerSpec.name("mt_inner"));
        inner.update(u32(2), u64(4242));
        int innerId = inner.info().id();

        assertNull(outer.lookup(key));
        outer.update(key, u32(inner.fd()));
        assertEquals(innerId, u32(outer.lookup(key)), "lookup returns the inner map's id");

        // The outer map keeps the inner one alive: reopen it by that id after closing ours.
        inner.close();
        Kernel.requireSysAdmin("BpfMap.fromId"); // what follows needs the map reopened by id
        BpfMap again = BpfMap.fromId(u32(outer.lookup(key)));
        toClose.push(again);
        assertArrayEquals(u64(4242), again.lookup(u32(2)));

        BpfMap misfit = create(MapSpec.of(MapType.ARRAY).valueSize(16).maxEntries(4).name("mt_misfit"));
        BpfException e = assertThrows(BpfInvalidArgumentException.class, () -> outer.update(key, u32(misfit.fd())));
        assertEquals("EINVAL", e.errnoName(), "an inner map unlike the template");
        assertTrue(outer.delete(key));
        assertNull(outer.lookup(key));
    }

    // ---- networking maps

    @Test
    @Covers({MapType.DEVMAP})
    void devmap() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.DEVMAP).valueSize(4).maxEntries(4).name("mt_devmap"));
        m.update(u32(0), u32(1)); // ifindex 1: lo
        assertEquals(1, u32(m.lookup(u32(0))));
        assertNull(m.lookup(u32(1)));
        // Values are network devices: an ifindex nothing has is EINVAL (dev_get_by_index() finds no device).
        assertErrno(BpfInvalidArgumentException.class, "EINVAL", () -> m.update(u32(1), u32(Integer.MAX_VALUE)));
        assertErrno(BpfInvalidArgumentException.class, "E2BIG", () -> m.update(u32(4), u32(1)));
        assertTrue(m.delete(u32(0)));
        assertNull(m.lookup(u32(0)));
    }

    @Test
    @Covers({MapType.DEVMAP_HASH})
    void devmapHash() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.DEVMAP_HASH).keySize(4).valueSize(4).maxEntries(4).name("mt_devhash"));
        m.update(u32(1000), u32(1));
        assertEquals(1, u32(m.lookup(u32(1000))));
        assertErrno(BpfInvalidArgumentException.class, "EINVAL", () -> m.update(u32(1001), u32(Integer.MAX_VALUE)));
        assertNull(m.lookup(u32(1001)), "the refused device was not added");
        assertArrayEquals(u32(1000), m.nextKey(null));
        assertTrue(m.delete(u32(1000)));
        assertNull(m.nextKey(null));
    }

    @Test
    @Covers({MapType.CPUMAP})
    void cpumap() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.CPUMAP).valueSize(4).maxEntries(BpfMap.possibleCpus()).name("mt_cpumap"));
        assertNull(m.lookup(u32(0)));
        m.update(u32(0), u32(192)); // qsize
        assertEquals(192, u32(m.lookup(u32(0))));
        // The value is a queue size for that CPU's kthread: the kernel caps it at 16384.
        assertErrno(BpfException.class, "EOVERFLOW", () -> m.update(u32(0), u32(16385)));
        assertEquals(192, u32(m.lookup(u32(0))), "the refused size left the queue alone");
        m.update(u32(0), u32(0)); // qsize 0 takes the CPU out
        assertNull(m.lookup(u32(0)));
        m.update(u32(0), u32(64));
        assertTrue(m.delete(u32(0)));
        assertNull(m.lookup(u32(0)));
    }

    @Test
    @Covers({MapType.XSKMAP})
    void xskmap() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.XSKMAP).valueSize(4).maxEntries(4).name("mt_xsk"));
        assertEquals(4, m.keySize());
        assertNotSupported("EOPNOTSUPP", () -> m.lookup(u32(0))); // AF_XDP sockets are not handed back to user space
        // Only AF_XDP sockets go in: another socket is EOPNOTSUPP, a fd that is no socket ENOTSOCK.
        int udp = socketFd(udpSocket());
        assertNotSupported("EOPNOTSUPP", () -> m.update(u32(0), u32(udp)));
        BpfException notSocket = assertThrows(BpfException.class, () -> m.update(u32(0), u32(m.fd())));
        assertEquals("ENOTSOCK", notSocket.errnoName(), "ENOTSOCK: " + notSocket);
    }

    @Test
    @Covers({MapType.SOCKMAP, MapType.SOCKHASH})
    void sockmapAndSockhashHoldSockets() throws IOException {
        BpfMap sockmap = create(MapSpec.of(MapType.SOCKMAP).valueSize(8).maxEntries(4).name("mt_sockmap"));
        BpfMap sockhash = create(MapSpec.of(MapType.SOCKHASH).keySize(4).valueSize(8).maxEntries(4)
                .name("mt_sockhash"));
        int fd = socketFd(udpSocket());
        sockmap.update(u32(0), u64(fd));
        sockhash.update(u32(77), u64(fd));
        long cookie = u64(sockmap.lookup(u32(0)));
        assertNotEquals(0, cookie, "lookup returns the socket's cookie");
        assertEquals(cookie, u64(sockhash.lookup(u32(77))), "same socket, same cookie");
        assertNull(sockmap.lookup(u32(1)));
        assertTrue(sockmap.delete(u32(0)));
        assertTrue(sockhash.delete(u32(77)));
        assertNull(sockhash.lookup(u32(77)));
        BpfException notASocket = assertThrows(BpfException.class, () -> sockmap.update(u32(0), u64(sockmap.fd())));
        assertEquals("ENOTSOCK", notASocket.errnoName(), "ENOTSOCK (sockfd_lookup on a map fd): " + notASocket);
        BpfException hashNotASocket = assertThrows(BpfException.class,
                () -> sockhash.update(u32(1), u64(sockhash.fd())));
        assertEquals("ENOTSOCK", hashNotASocket.errnoName(), "ENOTSOCK: " + hashNotASocket);
        assertNull(sockmap.lookup(u32(0)), "nothing went in");
    }

    @Test
    @Covers({MapType.REUSEPORT_SOCKARRAY})
    void reuseportSockarray() throws IOException {
        BpfMap m = create(MapSpec.of(MapType.REUSEPORT_SOCKARRAY).valueSize(8).maxEntries(4).name("mt_reuseport"));
        assertNull(m.lookup(u32(0)));
        // Only sockets bound with SO_REUSEPORT (they have a reuseport group) go in.
        int plain = socketFd(udpSocket());
        assertErrno(BpfInvalidArgumentException.class, "EINVAL", () -> m.update(u32(0), u64(plain)));
        assertNull(m.lookup(u32(0)));
        SocketOption<Boolean> reusePort = soReusePort();
        assumeTrue(reusePort != null, "SO_REUSEPORT is a JDK 9+ socket option; the refusal above was checked");
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        toClose.push(ch);
        ch.setOption(reusePort, true);
        ch.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        m.update(u32(0), u64(socketFd(ch)));
        assertNotEquals(0L, u64(m.lookup(u32(0))), "lookup returns the socket's cookie");
        assertTrue(m.delete(u32(0)));
        assertNull(m.lookup(u32(0)));
    }

    /** StandardSocketOptions.SO_REUSEPORT where the JDK has it (9+); the tests compile for Java 8. */
    @SuppressWarnings("unchecked")
    private static SocketOption<Boolean> soReusePort() {
        try {
            return (SocketOption<Boolean>) StandardSocketOptions.class.getField("SO_REUSEPORT").get(null);
        } catch (ReflectiveOperationException java8) {
            return null;
        }
    }

    // ---- queues, stacks, bloom filters

    @Test
    @Covers({MapType.QUEUE})
    void queueIsFirstInFirstOut() throws IOException {
        BpfMap q = create(MapSpec.of(MapType.QUEUE).valueSize(4).maxEntries(3).name("mt_queue"));
        assertNull(q.peek());
        assertNull(q.pop());
        q.push(u32(1));
        q.push(u32(2));
        q.push(u32(3));
        BpfMapFullException full = assertThrows(BpfMapFullException.class, () -> q.push(u32(4)));
        assertEquals("E2BIG", full.errnoName());
        q.push(ByteBuffer.wrap(u32(4)), UpdateMode.EXIST); // drops the oldest, 1
        assertEquals(2, u32(q.peek()));
        assertEquals(2, u32(q.peek()), "peek does not remove");
        assertEquals(2, u32(q.pop()));
        assertEquals(3, u32(q.pop()));
        assertEquals(4, u32(q.pop()));
        assertNull(q.pop());
        assertThrows(IllegalArgumentException.class, () -> q.push(ByteBuffer.wrap(u32(5)), UpdateMode.NO_EXIST));
    }

    @Test
    @Covers({MapType.STACK})
    void stackIsLastInFirstOut() throws IOException {
        BpfMap s = create(MapSpec.of(MapType.STACK).valueSize(8).maxEntries(3).name("mt_stack"));
        s.push(u64(1));
        s.push(u64(2));
        s.push(u64(3));
        assertErrno(BpfMapFullException.class, "E2BIG", () -> s.push(u64(4)));
        s.push(ByteBuffer.wrap(u64(4)), UpdateMode.EXIST); // drops the oldest (bottom), 1
        ByteBuffer top = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        assertTrue(s.peek(top));
        assertEquals(4, top.getLong(0));
        assertEquals(4L, u64(s.pop()));
        assertEquals(3L, u64(s.pop()));
        assertTrue(s.pop(top));
        assertEquals(2, top.getLong(0));
        assertFalse(s.pop(top));
        assertNull(s.peek());
    }

    @Test
    @Covers({MapType.BLOOM_FILTER})
    void bloomFilterHasNoFalseNegatives() throws IOException {
        BpfMap b = create(MapSpec.of(MapType.BLOOM_FILTER).valueSize(8).maxEntries(1000).mapExtra(3)
                .name("mt_bloom"));
        assertEquals(3, b.info().mapExtra(), "map_extra holds the number of hash functions");
        for (long v = 0; v < 100; v++) {
            b.push(u64(v * 7919));
        }
        for (long v = 0; v < 100; v++) {
            assertTrue(b.contains(u64(v * 7919)), "pushed " + v * 7919);
            assertTrue(b.contains(ByteBuffer.wrap(u64(v * 7919))));
        }
        int falsePositives = 0;
        for (long v = 1; v <= 1000; v++) {
            if (b.contains(u64(-v))) {
                falsePositives++;
            }
        }
        assertTrue(falsePositives < 100, falsePositives + " of 1000 never-pushed values reported present");
        assertNotSupported("ENOTSUPP", () -> b.pop()); // elements cannot be taken out of a bloom filter
    }

    @Test
    void bloomFilterDefaultsToFiveHashes() throws IOException {
        BpfMap b = create(MapSpec.of(MapType.BLOOM_FILTER).valueSize(4).maxEntries(16).name("mt_bloom5"));
        assertEquals(0, b.mapExtra(), "0 asks the kernel for its default");
        b.push(u32(42));
        assertTrue(b.contains(u32(42)));
    }

    // ---- ring buffers and arenas

    /** A read-only (or, if asked, writable) mapping of the first {@code length} bytes of a map fd; unmapped by the caller. */
    private static final class Mmapped implements AutoCloseable {
        final long address;
        final long length;
        final ByteBuffer buf;

        Mmapped(int fd, long length, boolean writable) {
            this.address = Native.mmap(0, fd, length, writable);
            this.length = length;
            this.buf = Native.newDirectBuffer(address, length).order(ByteOrder.nativeOrder());
        }

        @Override
        public void close() {
            assertEquals(0, Native.munmap(address, length));
        }
    }

    /**
     * A ring buffer is a consumer page user space may write, then a producer
     * page and the data pages it may only read, the data mapped twice in a row
     * so that a record crossing the end reads as one piece. A BPF program
     * writes records (ringbuf_out.bpf.c); this test consumes them as
     * libbpf's ring_buffer__consume does.
     */
    @Test
    @Covers({MapType.RINGBUF})
    void ringbufIsReadThroughItsPagesAndWraps() throws IOException {
        int page = Native.pageSize();
        BpfMap made = create(MapSpec.of(MapType.RINGBUF).maxEntries(4096 * 4).name("mt_ringbuf"));
        assertEquals(0, made.keySize());
        assertEquals(0, made.valueSize());
        try (Mmapped consumer = new Mmapped(made.fd(), page, true)) {
            assertEquals(0L, consumer.buf.getLong(0), "consumer_pos starts at 0");
        }
        // The kernel lets user space write the consumer page only (ringbuf_map_mmap_kern).
        assertErrno(BpfPermissionException.class, "EPERM", () -> new Mmapped(made.fd(), 2L * page, true));

        BpfObject obj = BpfObject.openResource("bpf/ringbuf_out.bpf.o").load();
        toClose.push(obj);
        BpfMap ring = obj.map("ring");
        assertEquals(MapType.RINGBUF, ring.type());
        int size = ring.maxEntries();
        BpfProgram emit = obj.program("emit");
        try (Mmapped consumer = new Mmapped(ring.fd(), page, true);
                Mmapped view = new Mmapped(ring.fd(), 2L * page + 2L * size, false)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(2, emit.testRun(new TestRun().dataIn(Kernel.packet())).retval(), "XDP_PASS: the record fit");
            }
            int record = 8 + 16; // header {u32 len, u32 page offset} + two u64s, already 8-aligned
            assertEquals(3L * record, view.buf.getLong(page), "producer_pos");
            for (int i = 0; i < 3; i++) {
                int at = 2 * page + i * record;
                assertEquals(16, view.buf.getInt(at), "record " + i + ": committed, 16 bytes");
                assertEquals(i + 1L, view.buf.getLong(at + 8), "record " + i + ": in the order written");
                assertEquals(0x5eedL, view.buf.getLong(at + 16));
            }
            consumer.buf.putLong(0, 3L * record); // consumed: the space is the producer's again
            assertEquals(3L * record, view.buf.getLong(0), "the read-only view sees the consumer page");

            // Fill it: the program is refused room (XDP_DROP) once size bytes are unconsumed.
            assertEquals(1, emit.testRun(new TestRun().dataIn(Kernel.packet()).repeat(size / record + 10)).retval(),
                    "XDP_DROP: the last run found the ring full");
            long producer = view.buf.getLong(page);
            long consumed = 3L * record;
            assertEquals(consumed + (size / record) * record, producer, "full: as many records as fit");
            // The record that crossed the end of the data area reads as one piece through the second mapping.
            long crossing = consumed + ((size - consumed) / record) * record;
            assertTrue(crossing % size + record > size, "a record crosses the end");
            int at = 2 * page + (int) (crossing % size);
            assertEquals(16, view.buf.getInt(at));
            assertEquals(4L + (crossing - consumed) / record, view.buf.getLong(at + 8), "its sequence number");
            assertEquals(0x5eedL, view.buf.getLong(at + 16), "its tail, written past the end, read here");
        }
    }

    /** A user ring buffer is the other way round: user space produces, so the consumer page is the kernel's. */
    @Test
    @Covers({MapType.USER_RINGBUF})
    void userRingbufKeepsItsConsumerPageReadOnly() throws IOException {
        int page = Native.pageSize();
        BpfMap m = create(MapSpec.of(MapType.USER_RINGBUF).maxEntries(4096 * 8).name("mt_uringbuf"));
        assertErrno(BpfPermissionException.class, "EPERM", () -> new Mmapped(m.fd(), page, true));
        try (Mmapped consumer = new Mmapped(m.fd(), page, false)) {
            assertEquals(0L, consumer.buf.getLong(0), "consumer_pos starts at 0");
        }
    }

    @Test
    @Covers({MapType.ARENA})
    void arenaPagesAreSharedWithUserSpace() throws IOException {
        MapSpec spec = MapSpec.of(MapType.ARENA).maxEntries(4).name("mt_arena");
        assertEquals(java.util.EnumSet.of(MapFlag.MMAPABLE), spec.flags(), "MapSpec.of(ARENA) sets BPF_F_MMAPABLE");
        BpfMap m = create(spec);
        assertEquals(4, m.info().maxEntries(), "pages");
        BpfArena arena = m.arena();
        assertEquals(4L * Native.pageSize(), arena.size());
        ArenaRegion r = arena.region();
        r.putLong(3L * Native.pageSize() + 8, 0x0123456789abcdefL); // faults in a page of the last arena page
        assertEquals(0x0123456789abcdefL, r.getLong(3L * Native.pageSize() + 8));
        assertEquals(0L, r.getLong(0), "untouched arena pages read as zero");
    }

    // ---- types that need BTF: declared in map_types.bpf.c

    private static final List<MapType> BTF_ONLY = Arrays.asList(MapType.SK_STORAGE, MapType.INODE_STORAGE,
            MapType.TASK_STORAGE, MapType.CGRP_STORAGE, MapType.CGROUP_STORAGE, MapType.PERCPU_CGROUP_STORAGE,
            MapType.STRUCT_OPS);

    /** struct_ops maps (and the storages, which map_types.bpf.c declares instead) need BTF MapSpec cannot carry. */
    @Test
    @Covers({MapType.STRUCT_OPS})
    void mapSpecRefersTypesThatNeedBtfToObjects() {
        BpfFds before = BpfFds.snapshot();
        for (MapType t : BTF_ONLY) {
            MapSpec spec = MapSpec.of(t).keySize(4).valueSize(16).maxEntries(0).flags(MapFlag.NO_PREALLOC);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BpfMap.create(spec),
                    t.toString());
            assertEquals("MapSpec.type " + t + " maps need BTF type information; declare them in a BPF object's"
                    + " .maps section", e.getMessage());
        }
        MapSpec insns = MapSpec.of(MapType.INSN_ARRAY).keySize(4).valueSize(8).maxEntries(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BpfMap.create(insns));
        assertTrue(e.getMessage().startsWith("MapSpec.type INSN_ARRAY maps hold a program's jump-table offsets"),
                e.getMessage());
        BpfFds.assertNoneAddedSince(before, "refused in Java: no system call");
    }

    @Test
    void localStorageMapsFromAnObject() throws IOException {
        Kernel.requireSysAdmin("BpfMap.fromId");
        BpfObject obj = loadObject();
        String[][] expected = {
            {"sk_store", "SK_STORAGE"}, {"inode_store", "INODE_STORAGE"}, {"task_store", "TASK_STORAGE"},
            {"cgrp_store", "CGRP_STORAGE"},
        };
        for (String[] e : expected) {
            BpfMap m = obj.map(e[0]);
            MapInfo info = m.info();
            String what = e[0] + ": " + info;
            assertEquals(MapType.valueOf(e[1]), m.type(), what);
            assertEquals(MapType.valueOf(e[1]), info.type(), what);
            assertEquals(4, info.keySize(), what);
            assertEquals(16, info.valueSize(), what);
            assertEquals(0, info.maxEntries(), what);
            assertEquals(java.util.EnumSet.of(MapFlag.NO_PREALLOC), info.flags(), what);
            assertEquals(e[0], info.name(), what);
            assertTrue(info.btfId() > 0 && info.btfKeyTypeId() > 0 && info.btfValueTypeId() > 0, what);
            assertTrue(m.fd() >= 0);
            assertSame(obj, m.object());
            try (BpfMap byId = BpfMap.fromId(info.id())) {
                assertEquals(info.type(), byId.type());
                assertEquals(info.btfId(), byId.info().btfId());
            }
        }
        String[][] cgroupStorages = {{"cg_store", "CGROUP_STORAGE"}, {"pcpu_cg_store", "PERCPU_CGROUP_STORAGE"}};
        for (String[] e : cgroupStorages) {
            BpfMap m = obj.map(e[0]);
            assertEquals(MapType.valueOf(e[1]), m.type());
            assertEquals(MapType.valueOf(e[1]), m.info().type());
            assertEquals(16, m.keySize(), "struct bpf_cgroup_storage_key: u64 inode id, u32 attach type, padding");
            assertEquals(8, m.valueSize());
            assertNull(m.nextKey(null), "no program attached: no storage yet");
        }
        assertTrue(MapType.PERCPU_CGROUP_STORAGE.isPerCpu());
        assertEquals(8 * BpfMap.possibleCpus(), obj.map("pcpu_cg_store").valueBufferSize());
    }

    private static void assertSame(Object expected, Object actual) {
        assertTrue(expected == actual, expected + " is not " + actual);
    }

    /** Socket storage is keyed by a socket fd from user space. */
    @Test
    @Covers({MapType.SK_STORAGE})
    void skStorageKeyedBySocketFd() throws IOException {
        BpfMap m = loadObject().map("sk_store");
        int fd = socketFd(udpSocket());
        assertNull(m.lookup(u32(fd)), "no storage on a new socket");
        byte[] v = new byte[16];
        Arrays.fill(v, (byte) 0x5a);
        m.update(u32(fd), v, UpdateMode.NO_EXIST);
        assertArrayEquals(v, m.lookup(u32(fd)));
        assertFalse(m.update(u32(fd), v, UpdateMode.NO_EXIST), "present: NO_EXIST answers false");
        assertTrue(m.delete(u32(fd)));
        assertNull(m.lookup(u32(fd)));
    }

    /** Cgroup storage is keyed by a cgroup directory fd from user space. */
    @Test
    @Covers({MapType.CGRP_STORAGE})
    void cgrpStorageKeyedByCgroupFd() throws IOException {
        BpfMap m = loadObject().map("cgrp_store");
        String cgroup2 = cgroup2Mount();
        assumeTrue(cgroup2 != null, "no cgroup v2 mounted");
        int fd = openDirectory(cgroup2);
        byte[] v = new byte[16];
        v[0] = 9;
        m.update(u32(fd), v);
        assertArrayEquals(v, m.lookup(u32(fd)));
        assertTrue(m.delete(u32(fd)));
        assertNull(m.lookup(u32(fd)));
    }

    /**
     * Inode storage is keyed by an fd of the file from user space; it lives in
     * the inode's LSM blob, which exists only when the BPF LSM is active.
     */
    @Test
    @Covers({MapType.INODE_STORAGE})
    void inodeStorageKeyedByFileFd() throws IOException {
        BpfMap m = loadObject().map("inode_store");
        Path file = Files.createTempFile("bpf4j-inode", ".tmp");
        try {
            Map<Integer, String> before = OpenFds.snapshot();
            toClose.push(FileChannel.open(file, StandardOpenOption.READ));
            int fd = OpenFds.newFd(before, file.toString());
            byte[] v = new byte[16];
            v[15] = 3;
            try {
                m.update(u32(fd), v);
            } catch (BpfException e) {
                // Without the BPF LSM an inode has no storage blob; the kernel says exactly EBADF then.
                assertEquals("EBADF", e.errnoName(), e.toString());
                assumeTrue(false, "no BPF LSM blob on inodes (lsm= lacks bpf): EBADF, as expected; nothing to store");
            }
            assertArrayEquals(v, m.lookup(u32(fd)));
            assertTrue(m.delete(u32(fd)));
        } finally {
            Files.delete(file);
        }
    }

    /**
     * Task storage is keyed by a pidfd; Java has no pidfd_open, so this shows
     * the other half: any fd that is not a pidfd is refused with EBADF
     * (pidfd_get_pid), and nothing is stored.
     */
    @Test
    @Covers({MapType.TASK_STORAGE})
    void taskStorageIsKeyedByPidfdsOnly() throws IOException {
        BpfMap m = loadObject().map("task_store");
        Path file = Files.createTempFile("bpf4j-task", ".tmp");
        try {
            Map<Integer, String> before = OpenFds.snapshot();
            toClose.push(FileChannel.open(file, StandardOpenOption.READ));
            int fd = OpenFds.newFd(before, file.toString());
            assertErrno(BpfException.class, "EBADF", () -> m.update(u32(fd), new byte[16]));
            assertErrno(BpfException.class, "EBADF", () -> m.lookup(u32(fd)));
            assertErrno(BpfException.class, "EBADF", () -> m.lookup(u32(-1)));
            assertNotSupported("ENOTSUPP", () -> m.nextKey(null)); // local storage cannot be iterated by key
        } finally {
            Files.delete(file);
        }
    }

    /**
     * The cgroup-attached storages exist only for (cgroup, attach type) pairs a
     * program is attached to: user space may replace such an element, never
     * create one. With nothing attached every key is a miss, and an update is
     * ENOENT; NO_EXIST (create) is refused outright.
     */
    @Test
    @Covers({MapType.CGROUP_STORAGE, MapType.PERCPU_CGROUP_STORAGE})
    void cgroupStoragesAreMadeByAttachingNotByUpdates() {
        BpfObject obj = loadObject();
        for (String name : new String[] {"cg_store", "pcpu_cg_store"}) {
            BpfMap m = obj.map(name);
            byte[] key = new byte[16]; // struct bpf_cgroup_storage_key {u64 cgroup_inode_id; u32 attach_type; pad}
            key[0] = 1;
            byte[] value = new byte[m.valueBufferSize()];
            assertNull(m.lookup(key), name + ": no program attached, no storage");
            assertErrno(BpfException.class, "ENOENT", () -> m.update(key, value));
            assertErrno(BpfInvalidArgumentException.class, "EINVAL", () -> m.update(key, value,
                    UpdateMode.NO_EXIST));
            assertNull(m.nextKey(null), name + ": nothing to iterate");
        }
        assertEquals(8 * BpfMap.possibleCpus(), obj.map("pcpu_cg_store").valueBufferSize(), "per CPU: a slot each");
    }

    /** A map reopened by id outlives the object that made it. */
    @Test
    void objectMapReopenedByIdOutlivesItsObject() {
        Kernel.requireSysAdmin("BpfMap.fromId");
        BpfObject obj = loadObject();
        BpfMap seen = obj.map("seen");
        seen.update(u32(5), new byte[16]);
        BpfMap byId = BpfMap.fromId(seen.info().id());
        toClose.push(byId);
        assertNull(byId.object());
        byId.close();
        byId = BpfMap.fromId(seen.info().id());
        toClose.push(byId);
        seen.close(); // an object's map: does nothing
        assertEquals(16, seen.info().valueSize(), "still open: the object owns it");
        obj.close();
        assertThrows(IllegalStateException.class, () -> seen.info());
        byte[] v = new byte[16];
        v[0] = 1;
        byId.update(u32(5), v);
        assertArrayEquals(v, byId.lookup(u32(5)), "the kernel map lives on through our fd");
        assertEquals("seen", byId.info().name());
    }

    // ---- every type is covered, and the fd check can fail

    /**
     * Every {@link MapType} constant is {@link Covers covered} by a test of
     * {@link #COVERING_CLASSES} or listed in {@link #NOT_COVERED} with a
     * reason; never both. Adding a constant without either fails here.
     */
    @Test
    void everyMapTypeHasATestOrAReasonedExclusion() {
        Map<MapType, List<String>> coveredBy = new EnumMap<MapType, List<String>>(MapType.class);
        for (Class<?> c : COVERING_CLASSES) {
            for (Method m : c.getDeclaredMethods()) {
                Covers covers = m.getAnnotation(Covers.class);
                if (covers == null) {
                    continue;
                }
                assertNotNull(m.getAnnotation(Test.class), c.getSimpleName() + "." + m.getName()
                        + " has @Covers but is not a @Test: a helper proves nothing");
                assertTrue(covers.value().length > 0, c.getSimpleName() + "." + m.getName() + ": @Covers of nothing");
                for (MapType t : covers.value()) {
                    List<String> tests = coveredBy.get(t);
                    if (tests == null) {
                        coveredBy.put(t, tests = new ArrayList<String>());
                    }
                    tests.add(c.getSimpleName() + "." + m.getName());
                }
            }
        }
        List<String> problems = new ArrayList<String>();
        for (MapType t : MapType.values()) {
            boolean covered = coveredBy.containsKey(t);
            String reason = NOT_COVERED.get(t);
            if (!covered && reason == null) {
                problems.add(t + " has no @Covers test and no reason in MapTypesTest.NOT_COVERED");
            } else if (covered && reason != null) {
                problems.add(t + " is covered by " + coveredBy.get(t) + ": drop it from NOT_COVERED");
            } else if (reason != null && reason.trim().length() < 20) {
                problems.add(t + ": say why it is not covered, not just '" + reason + "'");
            }
        }
        assertEquals(new ArrayList<String>(), problems);
    }

    /**
     * The fd check of these tests sees one leaked fd, even when the leak
     * reuses the number of an fd closed in between (the cleaner does that at
     * any moment): a count or a set of numbers would not.
     */
    @Test
    void theFdCheckSeesOneLeakedMapEvenOnAReusedNumber() {
        MapSpec spec = MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(1).name("mt_leakcheck");
        BpfMap closedLater = BpfMap.create(spec);
        BpfFds before = BpfFds.snapshot();
        int number = closedLater.fd();
        closedLater.close();
        BpfMap leaked = BpfMap.create(spec); // the lowest free number: the one just closed
        try {
            AssertionError seen = assertThrows(AssertionError.class, () -> BpfFds.assertNoneAddedSince(before, "leak"));
            assertTrue(seen.getMessage().contains(leaked.fd() + "=anon_inode:bpf-map map_id: " + leaked.info().id()),
                    seen.getMessage());
            // Almost always the kernel hands out the number just closed (the lowest free one); then a count,
            // or the set of numbers, is exactly as before: only the id tells the leak apart.
            if (leaked.fd() == number) {
                assertEquals(before.count(), BpfFds.snapshot().count(), "a count sees no change");
            }
        } finally {
            leaked.close();
        }
        BpfFds.assertNoneAddedSince(before, "closed again");
    }
}
