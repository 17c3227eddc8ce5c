/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.FileInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every message of issue 8 item 8 (and the size and fd rules of items 3 and
 * 4), each from the real call: the message must name what went wrong for
 * this call, and the hint must fit it.
 */
class ErrorMessagesTest {
    private static final String OBJECT = "bpf/error_cases.bpf.o";
    private static BpfObject obj;

    @BeforeAll
    static void load() {
        Kernel.requireBpf();
        obj = BpfObject.openResource(OBJECT).load();
    }

    @AfterAll
    static void close() {
        if (obj != null) {
            obj.close();
        }
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private static void contains(String text, String... parts) {
        for (String part : parts) {
            assertTrue(text.contains(part), "expected '" + part + "' in: " + text);
        }
    }

    private static void lacks(String text, String... parts) {
        for (String part : parts) {
            assertFalse(text.contains(part), "did not expect '" + part + "' in: " + text);
        }
    }

    // ---- item 3: sizes

    /** Every element operation refuses a byte[] that is not exactly one key or value, naming both sizes. */
    @Test
    void byteArraysMustBeExactlyTheMapsSizes() {
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(8).name("sizes"))) {
            List<Executable> calls = new ArrayList<Executable>();
            calls.add(() -> map.update(new byte[8], new byte[8]));
            calls.add(() -> map.update(new byte[4], new byte[16]));
            calls.add(() -> map.update(new byte[3], new byte[8]));
            calls.add(() -> map.update(new byte[4], new byte[7], UpdateMode.NO_EXIST));
            calls.add(() -> map.lookup(new byte[8]));
            calls.add(() -> map.lookup(new byte[4], new byte[16]));
            calls.add(() -> map.delete(new byte[5]));
            calls.add(() -> map.lookupAndDelete(new byte[2]));
            calls.add(() -> map.nextKey(new byte[8]));
            calls.add(() -> map.update(ByteBuffer.allocate(8), ByteBuffer.allocate(8)));
            calls.add(() -> map.update(ByteBuffer.allocateDirect(4), ByteBuffer.allocateDirect(16)));
            calls.add(() -> map.lookup(ByteBuffer.allocateDirect(4), ByteBuffer.allocateDirect(9)));
            calls.add(() -> map.delete(ByteBuffer.allocateDirect(8)));
            calls.add(() -> map.lookupAndDelete(ByteBuffer.allocate(4), ByteBuffer.allocate(12)));
            calls.add(() -> map.nextKey(ByteBuffer.allocate(4), ByteBuffer.allocate(8)));
            for (Executable call : calls) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
                contains(e.getMessage(), "of map 'sizes'", "needs ");
                assertTrue(e.getMessage().matches("(?s).*(key|value|next key|current key) of map.*has \\d+ bytes.*"),
                        e.getMessage());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> map.update(new byte[8], new byte[8]));
            contains(e.getMessage(), "key of map 'sizes' has 8 bytes, needs 4");
            e = assertThrows(IllegalArgumentException.class, () -> map.update(new byte[4], new byte[16]));
            contains(e.getMessage(), "value of map 'sizes' has 16 bytes, needs 8");
            assertFalse(map.keys().iterator().hasNext(), "nothing was stored by a refused call");
            map.update(u32(1), new byte[8]);
            assertEquals(8, map.lookup(u32(1)).length);
        }
    }

    @Test
    void perCpuValuesMustBeTheWholePerCpuBuffer() {
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.PERCPU_HASH).keySize(4).valueSize(12).maxEntries(4)
                .name("percpu_sizes"))) {
            int whole = ((12 + 7) & ~7) * BpfMap.possibleCpus();
            assertEquals(whole, map.valueBufferSize());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> map.update(u32(1), new byte[12]));
            contains(e.getMessage(), "has 12 bytes, needs " + whole, "round_up(12, 8) x " + BpfMap.possibleCpus());
            assertThrows(IllegalArgumentException.class, () -> map.update(u32(1), new byte[whole + 8]));
            assertThrows(IllegalArgumentException.class, () -> map.lookup(u32(1), new byte[whole - 1]));
            map.update(u32(1), new byte[whole]);
            assertEquals(whole, map.lookup(u32(1)).length);
        }
    }

    @Test
    void keylessMapsRefuseAKeyAndValuesOfTheWrongSize() {
        BpfMap fifo = obj.map("fifo");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fifo.push(new byte[8]));
        contains(e.getMessage(), "value of map 'fifo' has 8 bytes, needs 4");
        e = assertThrows(IllegalArgumentException.class, () -> fifo.update(u32(1), u32(1)));
        contains(e.getMessage(), "QUEUE maps have no keys");
        assertThrows(IllegalArgumentException.class, () -> fifo.pop(ByteBuffer.allocate(8)));
        assertThrows(IllegalArgumentException.class, () -> fifo.peek(ByteBuffer.allocate(2)));
    }

    /** Batches: whole keys only, and an update's values are exactly count values. */
    @Test
    void batchOperandsMustHoldWholeElements() {
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(16)
                .name("batch_sizes"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> map.updateBatch(ByteBuffer.allocateDirect(10), ByteBuffer.allocateDirect(16)));
            contains(e.getMessage(), "10 bytes remaining, not a multiple of the key size 4");
            e = assertThrows(IllegalArgumentException.class,
                    () -> map.updateBatch(ByteBuffer.allocateDirect(8), ByteBuffer.allocateDirect(24)));
            contains(e.getMessage(), "batch values of map 'batch_sizes' has 24 bytes remaining, needs 16");
            assertThrows(IllegalArgumentException.class,
                    () -> map.updateBatch(ByteBuffer.allocateDirect(8), ByteBuffer.allocateDirect(8)));
            e = assertThrows(IllegalArgumentException.class, () -> map.deleteBatch(ByteBuffer.allocateDirect(6)));
            contains(e.getMessage(), "not a multiple of the key size 4");
            e = assertThrows(IllegalArgumentException.class, () -> map.lookupBatch(map.batchCursor(),
                    ByteBuffer.allocateDirect(3), ByteBuffer.allocateDirect(64)));
            contains(e.getMessage(), "hold no element");
            assertFalse(map.keys().iterator().hasNext());
            // Lookups fill room: larger buffers are fine.
            map.update(u32(1), new byte[8]);
            assertEquals(1, map.lookupBatch(map.batchCursor(), ByteBuffer.allocateDirect(64),
                    ByteBuffer.allocateDirect(256)));
        }
    }

    // ---- item 4: fds

    @Test
    void fromFdOwnsACopyAndTheCallersFdStaysTheirs() {
        BpfMap original = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(1).name("dup_src"));
        int borrowed = original.fd();
        BpfMap copy = BpfMap.fromFd(borrowed);
        try {
            assertNotEquals(borrowed, copy.fd(), "fromFd must work on its own duplicate");
            copy.update(u32(0), u32(42));
            original.close();
            IllegalStateException stale = assertThrows(IllegalStateException.class, original::fd);
            assertNotNull(stale.getMessage());
            assertEquals(42, ByteBuffer.wrap(copy.lookup(u32(0))).order(ByteOrder.nativeOrder()).getInt(),
                    "the copy keeps the map alive after the original handle closed");
        } finally {
            copy.close();
            original.close();
        }
    }

    @Test
    void fromFdSaysWhatAnFdIsWhenItIsNotAMap(@TempDir Path dir) throws Exception {
        BpfInvalidArgumentException closed = assertThrows(BpfInvalidArgumentException.class,
                () -> BpfMap.fromFd(1_000_000));
        contains(closed.getMessage(), "dup(1000000) failed: EBADF (9): fd 1000000 is not open in this process");
        contains(closed.hint(), "valid only until its handle is closed");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BpfMap.fromFd(-1));
        contains(e.getMessage(), "BpfMap.fromFd(-1): -1 is not a file descriptor");
        for (int std = 0; std <= 2; std++) {
            final int fd = std;
            RuntimeException r = assertThrows(RuntimeException.class, () -> BpfMap.fromFd(fd));
            assertTrue(r instanceof IllegalArgumentException, r.toString());
            contains(r.getMessage(), new String[] {"standard input", "standard output", "standard error"}[std]);
        }
        Map<Integer, String> before = OpenFds.snapshot();
        try (Pipe.SourceChannel source = openPipe(); DatagramChannel socket = DatagramChannel.open()) {
            int pipeFd = OpenFds.newFdOfKind(before, "pipe:");
            int socketFd = OpenFds.newFdOfKind(before, "socket:");
            e = assertThrows(IllegalArgumentException.class, () -> BpfMap.fromFd(pipeFd));
            contains(e.getMessage(), "fd " + pipeFd + " is a pipe, not a BPF map");
            e = assertThrows(IllegalArgumentException.class, () -> BpfMap.fromFd(socketFd));
            contains(e.getMessage(), "is a socket, not a BPF map");
        }
        Path file = Files.write(dir.resolve("plain"), new byte[1]);
        before = OpenFds.snapshot();
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            int fileFd = OpenFds.newFd(before, file.toRealPath().toString());
            e = assertThrows(IllegalArgumentException.class, () -> BpfMap.fromFd(fileFd));
            contains(e.getMessage(), "is the file " + file.toRealPath(), "not a BPF map");
        }
        int progFd = obj.program("pass").fd();
        e = assertThrows(IllegalArgumentException.class, () -> BpfMap.fromFd(progFd));
        contains(e.getMessage(), "is a BPF program, not a BPF map", "BpfProgram.openPinned or BpfProgram.fromFd");
    }

    private static Pipe.SourceChannel openPipe() throws Exception {
        Pipe pipe = Pipe.open();
        pipe.sink().close();
        return pipe.source();
    }

    // ---- item 8: messages

    @Test
    void openingBytesThatAreNoObjectSaysSoWithoutBlamingTheKernel() {
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.open(new byte[0], "empty"));
        String text = e.getMessage() + " " + e.hint();
        assertTrue(text.contains("not a BPF ELF object") || text.contains("not a well-formed BPF object"), text);
        lacks(text, "kernel rejected", "map type", "flags");
        e = assertThrows(BpfException.class,
                () -> BpfObject.open("not an object at all".getBytes(StandardCharsets.US_ASCII), "text"));
        text = e.getMessage() + " " + e.hint();
        assertTrue(text.contains("not a BPF ELF object") || text.contains("not a well-formed BPF object"), text);
        lacks(text, "kernel rejected");
    }

    @Test
    void testRunOfRawTpAndSyscallProgramsSaysTheyTakeNoRepeat() {
        for (String name : new String[] {"on_raw_tp", "on_syscall"}) {
            BpfProgram p = obj.program(name);
            BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class,
                    () -> p.testRun(new TestRun().repeat(5)));
            contains(e.getMessage(), p.type().name(), "take no repeat", "repeat(5)");
            contains(e.hint(), "drop repeat(5)");
            lacks(e.getMessage() + e.hint(), "max_entries", "map type");
            e = assertThrows(BpfInvalidArgumentException.class, () -> p.testRun(new TestRun().dataIn(new byte[64])));
            contains(e.getMessage(), "dataIn (64 bytes)");
        }
        assertEquals(0, obj.program("on_syscall").testRun(new TestRun()).retval());
    }

    @Test
    void aMegabyteOfTestRunDataGetsADataSizeHint() {
        BpfProgram xdp = obj.program("pass");
        BpfException e = assertThrows(BpfException.class, () -> xdp.testRun(new TestRun().dataIn(new byte[1 << 20])));
        contains(e.getMessage(), "data in is 1048576 bytes, more than a XDP test run takes");
        lacks(e.getMessage() + e.hint(), "max_entries", "MEMLOCK ");
        contains(e.hint(), "not map memory or RLIMIT_MEMLOCK");
        e = assertThrows(BpfException.class, () -> xdp.testRun(new TestRun().dataIn(new byte[4])));
        contains(e.getMessage(), "less than the Ethernet header");
        assertEquals(2, xdp.testRun(new TestRun().dataIn(new byte[64])).retval(), "XDP_PASS");
    }

    @Test
    void aReadOnlyHeapBufferInATestRunIsRefusedWithAMessage() {
        BpfProgram xdp = obj.program("pass");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> xdp.testRun(new TestRun().dataIn(ByteBuffer.allocate(64).asReadOnlyBuffer())));
        contains(e.getMessage(), "data in buffer", "read-only heap buffer", "direct ByteBuffer");
        ByteBuffer direct = ByteBuffer.allocateDirect(64);
        assertEquals(2, xdp.testRun(new TestRun().dataIn(direct.asReadOnlyBuffer())).retval(), "read-only direct input works");
    }

    @Test
    void globalOfAStaticVariableSaysWhyAndWhatToDo() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> obj.global("hidden_calls"));
        contains(e.getMessage(), "static", "drop 'static'");
        lacks(e.getMessage(), "declare it with __uint(map_flags, BPF_F_MMAPABLE)");
        assertEquals(4, obj.global("bss_calls").capacity());
    }

    @Test
    void negativeSpecFieldsAreCalledNegative() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MapSpec.of(MapType.HASH).keySize(-5));
        assertEquals("MapSpec.keySize -5: must not be negative", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MapSpec.of(MapType.HASH).maxEntries(-1));
        assertEquals("MapSpec.maxEntries -1: must not be negative", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MapSpec.of(MapType.HASH).valueSize(-8));
        contains(e.getMessage(), "must not be negative");
        e = assertThrows(IllegalArgumentException.class,
                () -> BpfMap.create(MapSpec.of(MapType.HASH).keySize(4).valueSize(4)));
        assertEquals("MapSpec.maxEntries is not set", e.getMessage());
    }

    @Test
    void openingAPinSaysWhatThePathIs(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("not_a_pin"), new byte[] {1});
        // The kernel's answer to bpf_obj_get on a file that is no pin is EACCES; it stands, explained.
        BpfException e = assertThrows(BpfInvalidArgumentException.class, () -> Pins.openMap(file));
        assertEquals("EACCES", e.errnoName());
        contains(e.getMessage(), file + " is a regular file outside any BPF filesystem");
        lacks(e.getMessage() + e.hint(), "frozen", "LSM", "CAP_");
        e = assertThrows(BpfInvalidArgumentException.class, () -> Pins.openProgram(dir));
        contains(e.getMessage(), dir + " is a directory");
        e = assertThrows(BpfException.class, () -> Pins.openMap(dir.resolve("missing")));
        assertEquals("ENOENT", e.errnoName());
        contains(e.getMessage(), "nothing is pinned at");
    }

    @Test
    void keysOfAQueueOrStackExplains() {
        for (String name : new String[] {"fifo", "lifo"}) {
            BpfMap m = obj.map(name);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> m.keys());
            contains(e.getMessage(), "keys: map '" + name + "' is " + m.type(), "no keys", "push/pop/peek");
            UnsupportedOperationException entries = assertThrows(UnsupportedOperationException.class, m::entries);
            contains(entries.getMessage(), "no keys");
        }
    }

    @Test
    void arenaOfAnArenaReopenedByIdExplains() {
        Kernel.requireSysAdmin("BpfMap.fromId");
        Kernel.assumeArenas();
        try (BpfMap arena = BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(4).name("reopened"))) {
            assertNotNull(arena.arena());
            try (BpfMap again = BpfMap.fromId(arena.info().id())) {
                BpfException e = assertThrows(BpfException.class, again::arena);
                contains(e.getMessage(), "arena 'reopened' is already mapped");
                contains(e.hint(), "use the BpfArena of the handle that mapped it");
                lacks(e.getMessage() + e.hint(), "max_entries or the value size");
            }
        }
    }

    @Test
    void aSecondXdpAttachSaysAnotherProgramIsAttached() throws Exception {
        long id = ProcessHandleless.pid() % 100000;
        String dev = "b4h3a" + id;
        assumeTrue(run("ip", "link", "add", dev, "type", "veth", "peer", "name", "b4h3b" + id) == 0,
                "cannot create a veth pair (ip link add ... type veth)");
        try (BpfLink first = obj.program("pass").attachXdp(dev, io.github.bpf4j.link.XdpOptions.defaults().mode(io.github.bpf4j.link.XdpMode.SKB))) {
            BpfException e = assertThrows(BpfException.class,
                    () -> obj.program("pass").attachXdp(dev, io.github.bpf4j.link.XdpOptions.defaults().mode(io.github.bpf4j.link.XdpMode.SKB)));
            assertEquals("EBUSY", e.errnoName());
            contains(e.getMessage(), "another XDP program is already attached to " + dev);
            contains(e.hint(), "another XDP program is already attached", "close the BpfLink");
        } finally {
            run("ip", "link", "del", dev);
        }
    }

    /** The pid without java.lang.ProcessHandle (Java 9+): tests compile at release 8. */
    private static final class ProcessHandleless {
        static long pid() {
            try {
                return Long.parseLong(Paths.get("/proc/self").toRealPath().getFileName().toString());
            } catch (java.io.IOException e) {
                return System.nanoTime();
            }
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("/dev/null"))).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    @Test
    void aVerifierRejectionIsLoggedAtFineNotWarning() {
        List<Level> dumps = new ArrayList<Level>();
        List<Level> levels = new ArrayList<Level>();
        Bpf4j.setLibbpfLogHandler((level, message) -> {
            synchronized (dumps) {
                levels.add(level);
                if (message.contains("-- BEGIN PROG LOAD LOG --")) {
                    dumps.add(level);
                }
            }
        });
        try (BpfObject rejected = BpfObject.openResource("bpf/verifier_reject.bpf.o")) {
            BpfVerifierException e = assertThrows(BpfVerifierException.class, rejected::load);
            assertFalse(e.verifierLog().isEmpty());
        } finally {
            Bpf4j.setLibbpfLogHandler(null);
        }
        synchronized (dumps) {
            assertFalse(dumps.isEmpty(), "libbpf printed the verifier log: " + levels);
            for (Level l : dumps) {
                assertEquals(Level.FINE, l);
            }
        }
    }

    /** libbpf names data maps <8 chars of the object>.<section>, and custom sections by the section alone. */
    @Test
    void dataMapsAreFoundBySectionName() throws Exception {
        byte[] elf;
        try (java.io.InputStream in = ErrorMessagesTest.class.getClassLoader().getResourceAsStream(OBJECT)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0;) {
                out.write(buf, 0, n);
            }
            elf = out.toByteArray();
        }
        try (BpfObject named = BpfObject.open(elf, "acc_pages")) {
            assertEquals("acc_page.bss", named.dataMap(".bss").name());
            assertEquals("acc_page.data", named.dataMap(".data").name());
            assertEquals(".data.custom", named.dataMap(".data.custom").name());
            assertSame(named.map(".data.custom"), named.dataMap(".data.custom"));
            java.util.NoSuchElementException e = assertThrows(java.util.NoSuchElementException.class,
                    () -> named.dataMap(".data.nothing"));
            contains(e.getMessage(), "no data section .data.nothing", "acc_page.bss");
            assertThrows(IllegalArgumentException.class, () -> named.dataMap("bss"));
            named.load();
            named.program("on_syscall").testRun(new TestRun());
            assertEquals(4, named.dataMap(".data.custom").mmap().order(ByteOrder.nativeOrder()).getInt(0));
        }
    }

    @Test
    void fdExhaustionSaysEmfileWithAnFdHint(@TempDir Path dir) throws Exception {
        assumeTrue(new File("/usr/bin/prlimit").canExecute(), "needs prlimit (util-linux)");
        String out = runChild(dir, java.util.Arrays.asList("/usr/bin/prlimit", "--nofile=200:200"),
                ExhaustFds.class);
        contains(out, "EMFILE (24)", "too many open files in this process", "ran out of file descriptors",
                "close them", "ulimit -n");
        lacks(out, "error 24");
    }

    /** Child JVM: creates maps until the fd limit refuses, prints the exception. */
    public static final class ExhaustFds {
        public static void main(String[] args) {
            List<BpfMap> maps = new ArrayList<BpfMap>();
            try {
                for (int i = 0; i < 100000; i++) {
                    maps.add(BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(1)));
                }
                System.out.println("no limit reached");
            } catch (BpfException e) {
                System.out.println(e.getMessage());
            } finally {
                for (BpfMap m : maps) {
                    m.close();
                }
            }
        }
    }

    /** A child JVM whose output goes to a file, with a deadline: it can neither hang nor block on a full pipe. */
    static String runChild(Path dir, List<String> prefix, Class<?> main, String... args) throws Exception {
        List<String> command = new ArrayList<String>(prefix);
        command.add(System.getProperty("java.home") + "/bin/java");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(java.util.Arrays.asList(args));
        File log = dir.resolve("child-" + main.getSimpleName() + ".log").toFile();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not exit in 60 s: " + command);
        }
        return new String(Files.readAllBytes(log.toPath()), StandardCharsets.UTF_8);
    }

    // ---- without privileges

    /**
     * One child JVM as nobody without capabilities tries the calls whose
     * permission messages differ: each must name the capability that call
     * needs and never claim the process has it.
     */
    @Test
    void permissionMessagesNameTheCapabilityEachCallNeeds(@TempDir Path work, @TempDir Path mount) throws Exception {
        assumeTrue(ChildJvm.canDropToNobody(), ChildJvm.DROP_REASON);
        Files.setPosixFilePermissions(mount, PosixFilePermissions.fromString("rwxr-xr-x"));
        assumeTrue(run("mount", "-t", "bpf", "bpf", mount.toString()) == 0, "cannot mount a private bpffs");
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(1).name("for_nobody"))) {
            Files.setPosixFilePermissions(mount, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path pin = mount.resolve("private_pin");
            map.pin(pin);
            Files.setPosixFilePermissions(pin, PosixFilePermissions.fromString("rw-------"));
            ChildJvm.Result r = ChildJvm.runAsNobody(work, Unprivileged.class, String.valueOf(map.info().id()),
                    pin.toString());
            assertEquals(0, r.exitCode, r.toString());
            String out = r.output;
            System.out.println("unprivileged child:\n" + out); // for the surefire report when an assertion fails
            String unprivileged = new String(Files.readAllBytes(Paths.get("/proc/sys/kernel/unprivileged_bpf_disabled")),
                    StandardCharsets.US_ASCII).trim();
            String fromId = line(out, "fromId");
            contains(fromId, "BpfPermissionException", "CAP_SYS_ADMIN", "this process lacks CAP_SYS_ADMIN");
            lacks(fromId, "which this process has", "the process has");
            String pinned = line(out, "openPinned");
            contains(pinned, "BpfPermissionException", pin + " is a pin (mode 0600, owner uid 0)", "uid 65534");
            lacks(pinned, "frozen", "LSM");
            // tracefs is root's (0700): a user without DAC capabilities gets the real EACCES, and is not told
            // tracefs is missing or that CAP_SYS_ADMIN would help.
            if (io.github.bpf4j.internal.Native.statfsType("/sys/kernel/tracing") == 0x74726163L) {
                String trace = line(out, "tracePipe");
                contains(trace, "BpfPermissionException", "open(/sys/kernel/tracing/trace_pipe) failed: EACCES",
                        "not what BPF capabilities override", "this process lacks both");
                lacks(trace, "not mounted", "needs CAP_SYS_ADMIN");
            }
            String create = line(out, "create");
            String probe = line(out, "probe");
            if (unprivileged.equals("0")) {
                // Unprivileged BPF is allowed: ARRAY maps need no capability then.
                contains(create, "create|done");
            } else {
                contains(create, "BpfPermissionException", "creating a map needs CAP_BPF", "lacks CAP_BPF");
                contains(probe, "BpfPermissionException", "CAP_BPF");
                lacks(probe, "unsupported", "false");
                String probeProgram = line(out, "probeProgram");
                contains(probeProgram, "BpfPermissionException", "loading KPROBE programs needs CAP_BPF and CAP_PERFMON",
                        "lacks CAP_BPF and CAP_PERFMON");
                String load = line(out, "load");
                contains(load, "BpfPermissionException", "lacks CAP_BPF, which every map and program needs",
                        "tracing programs (kprobe", "also need CAP_PERFMON", "networking programs (xdp",
                        "also need CAP_NET_ADMIN");
                lacks(load, "the process has", "RLIMIT_MEMLOCK", "CONFIG_BPF_SYSCALL");
                String version = line(out, "version");
                contains(version, "not permitted");
                lacks(version, "map types not supported:  [ARRAY");
            }
        } finally {
            run("umount", mount.toString());
        }
    }

    /**
     * As root but with the bounding set cut to a few capabilities (setpriv),
     * so the effective set is exactly those: each refusal must name the one
     * that is missing, not the ones the process has.
     */
    @Test
    void withSomeCapabilitiesTheHintNamesTheMissingOne(@TempDir Path dir) throws Exception {
        assumeTrue(ChildJvm.canDropToNobody(), ChildJvm.DROP_REASON);
        String bpfOnly = runChild(dir, java.util.Arrays.asList("/usr/bin/setpriv", "--inh-caps=-all",
                "--bounding-set=-all,+bpf"), PartlyPrivileged.class);
        System.out.println("CAP_BPF only:\n" + bpfOnly);
        String load = line(bpfOnly, "load");
        contains(load, "BpfPermissionException", "program 'on_raw_tp' was refused: loading RAW_TRACEPOINT programs"
                + " needs CAP_BPF and CAP_PERFMON and this process lacks CAP_PERFMON");
        lacks(load, "CAP_NET_ADMIN"); // the refused program's type says what it needs, not every kind's
        lacks(load, "unprivileged_bpf_disabled");
        lacks(load, "lacks CAP_BPF", "CAP_BPF (needed");
        contains(line(bpfOnly, "probeKprobe"), "BpfPermissionException", "needs CAP_BPF and CAP_PERFMON",
                "lacks CAP_PERFMON");
        lacks(line(bpfOnly, "probeKprobe"), "lacks CAP_BPF");
        contains(line(bpfOnly, "probeXdp"), "BpfPermissionException", "lacks CAP_NET_ADMIN");
        contains(line(bpfOnly, "probeSocketFilter"), "probeSocketFilter|true");
        contains(line(bpfOnly, "fromId"), "BpfPermissionException", "this process lacks CAP_SYS_ADMIN");

        String bpfPerfmon = runChild(dir, java.util.Arrays.asList("/usr/bin/setpriv", "--inh-caps=-all",
                "--bounding-set=-all,+bpf,+perfmon"), PartlyPrivileged.class);
        System.out.println("CAP_BPF + CAP_PERFMON:\n" + bpfPerfmon);
        load = line(bpfPerfmon, "load");
        contains(load, "BpfPermissionException", "program 'pass' was refused: loading XDP programs needs CAP_BPF and"
                + " CAP_NET_ADMIN and this process lacks CAP_NET_ADMIN");
        lacks(load, "CAP_PERFMON", "lacks CAP_BPF");
        contains(line(bpfPerfmon, "probeKprobe"), "probeKprobe|true");
    }

    /** Child JVM with a few capabilities: one line per call. */
    public static final class PartlyPrivileged {
        public static void main(String[] args) throws Exception {
            int id;
            try (BpfMap m = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(1))) {
                id = m.info().id();
                Unprivileged.report("fromId", () -> BpfMap.fromId(id).close());
            }
            Unprivileged.report("load", () -> BpfObject.openResource(OBJECT).load().close());
            Unprivileged.report("probeKprobe", () -> System.out.println("probeKprobe|" + Bpf4j.probe(ProgramType.KPROBE)));
            Unprivileged.report("probeXdp", () -> System.out.println("probeXdp|" + Bpf4j.probe(ProgramType.XDP)));
            Unprivileged.report("probeSocketFilter",
                    () -> System.out.println("probeSocketFilter|" + Bpf4j.probe(ProgramType.SOCKET_FILTER)));
        }
    }

    private static String line(String output, String tag) {
        for (String l : output.split("\n")) {
            if (l.startsWith(tag + "|")) {
                return l;
            }
        }
        throw new AssertionError("no " + tag + " line in:\n" + output);
    }

    /** Child JVM as nobody: args are a map id and a 0600 pin; prints one line per call. */
    public static final class Unprivileged {
        public static void main(String[] args) throws Exception {
            report("fromId", () -> BpfMap.fromId(Integer.parseInt(args[0])).close());
            report("openPinned", () -> Pins.openMap(Paths.get(args[1])).close());
            report("create", () -> BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(1)).close());
            report("probe", () -> System.out.print(Bpf4j.probe(MapType.HASH) + " "));
            report("probeProgram", () -> System.out.print(Bpf4j.probe(ProgramType.KPROBE) + " "));
            report("load", () -> BpfObject.openResource(OBJECT).load().close());
            report("tracePipe", () -> TracePipe.open().close());
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            java.io.PrintStream saved = System.out;
            System.setOut(new java.io.PrintStream(bytes, true, "UTF-8"));
            try {
                io.github.bpf4j.cli.Main.main(new String[] {"version"});
            } finally {
                System.setOut(saved);
            }
            System.out.println("version|" + new String(bytes.toByteArray(), StandardCharsets.UTF_8)
                    .replace('\n', ' '));
        }

        static void report(String tag, Executable call) {
            try {
                call.execute();
                System.out.println(tag + "|done");
            } catch (Throwable e) {
                String hint = e instanceof BpfException ? " HINT " + ((BpfException) e).hint() : "";
                System.out.println(tag + "|" + e.getClass().getSimpleName() + ": "
                        + String.valueOf(e.getMessage()).replace('\n', ' ') + hint);
            }
        }
    }
}
