/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfMap;
import io.github.bpf4j.ChildJvm;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.MapFlag;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each operation class, in child JVMs run as nobody with a chosen set of
 * capabilities (setpriv, in a private network namespace): it works, or it
 * throws {@link io.github.bpf4j.BpfPermissionException} whose message names
 * the capability the operation needs and the process lacks, and no
 * capability that has nothing to do with it (that would be the generic
 * hint, not one for this call).
 *
 * <p>The verified table is in {@link #EXPECTED}; the README's reliability
 * section has it in prose.
 */
@Tag("once")
class PrivilegeTest {
    /** Capability sets: the setpriv names (without +) given to the child as inheritable, ambient and bounding. */
    private static final Map<String, List<String>> CAP_SETS = new LinkedHashMap<String, List<String>>();

    static {
        CAP_SETS.put("none", Collections.<String>emptyList());
        CAP_SETS.put("bpf", Arrays.asList("bpf"));
        CAP_SETS.put("bpf+perfmon", Arrays.asList("bpf", "perfmon"));
        CAP_SETS.put("bpf+net_admin", Arrays.asList("bpf", "net_admin"));
    }

    /** Operations in the order the child runs them. */
    private static final List<String> OPS = Arrays.asList("createMap", "pinnedMapOps", "mmap", "loadSocketFilter",
            "loadXdp", "loadTracing", "loadArena", "attachUprobe", "attachUprobeMulti",
            "testRun", "attachXdp", "fromId", "pin", "tracePipe");

    /** What each operation needs beyond access to the objects: capability names as the kernel's docs spell them. */
    static final Map<String, List<String>> NEEDS = new LinkedHashMap<String, List<String>>();

    static {
        NEEDS.put("createMap", Arrays.asList("CAP_BPF"));
        NEEDS.put("pinnedMapOps", Collections.<String>emptyList()); // file permissions of the pin decide
        NEEDS.put("mmap", Collections.<String>emptyList());
        NEEDS.put("loadSocketFilter", Arrays.asList("CAP_BPF"));
        NEEDS.put("loadXdp", Arrays.asList("CAP_BPF", "CAP_NET_ADMIN"));
        NEEDS.put("loadTracing", Arrays.asList("CAP_BPF", "CAP_PERFMON"));
        NEEDS.put("loadArena", Arrays.asList("CAP_BPF", "CAP_PERFMON")); // the verifier's arena check
        // Linux 6.12 took CAP_PERFMON's access to the uprobe PMU back: a perf uprobe needs CAP_SYS_ADMIN.
        NEEDS.put("attachUprobe", Arrays.asList("CAP_SYS_ADMIN"));
        NEEDS.put("attachUprobeMulti", Collections.<String>emptyList()); // a BPF link: what loading needed
        NEEDS.put("testRun", Collections.<String>emptyList()); // of a program one could load
        NEEDS.put("attachXdp", Arrays.asList("CAP_NET_ADMIN"));
        NEEDS.put("fromId", Arrays.asList("CAP_SYS_ADMIN"));
        NEEDS.put("pin", Collections.<String>emptyList()); // write permission on the bpffs directory
        NEEDS.put("tracePipe", Collections.<String>emptyList()); // tracefs is root's (file permissions)
    }

    /** Type-specific capabilities: naming one for an operation that does not need it is the generic hint. */
    private static final List<String> SPECIFIC = Arrays.asList("CAP_PERFMON", "CAP_NET_ADMIN");

    @TempDir
    static Path work;
    private static Path bpffs;
    private static Path pin;
    private static Path childClassPath;
    private static BpfMap shared;
    private static int unprivilegedDisabled;
    private static final Map<String, Map<String, String>> RESULTS = new LinkedHashMap<String, Map<String, String>>();

    @BeforeAll
    static void setUp() throws Exception {
        Kernel.requireBpf();
        assumeTrue(ChildJvm.canDropToNobody(), ChildJvm.DROP_REASON);
        assumeTrue(ChildJvm.canUnshare(), ChildJvm.UNSHARE_REASON);
        long caps = effectiveCaps();
        assumeTrue((caps & (1L << 21)) != 0 && (caps & (1L << 6)) != 0 && (caps & (1L << 7)) != 0,
                "dropping to nobody with chosen capabilities needs root (CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID)");
        unprivilegedDisabled = Integer.parseInt(new String(Files.readAllBytes(
                Paths.get("/proc/sys/kernel/unprivileged_bpf_disabled")), StandardCharsets.US_ASCII).trim());
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        // A private bpffs: pins of concurrent runs never meet, and nobody may write this one.
        bpffs = work.resolve("bpffs");
        Files.createDirectories(bpffs);
        assumeTrue(Procs.run("mount", "-t", "bpf", "bpf", bpffs.toString()) == 0, "cannot mount a private bpffs");
        Files.setPosixFilePermissions(bpffs, PosixFilePermissions.fromString("rwxrwxrwx"));
        shared = BpfMap.create(MapSpec.of(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(4)
                .flags(MapFlag.MMAPABLE).name("t_priv_pin"));
        shared.update(new byte[4], CloseStormTest.longBytes(4000));
        pin = bpffs.resolve("shared");
        shared.pin(pin);
        Files.setPosixFilePermissions(pin, PosixFilePermissions.fromString("rw-rw-rw-"));
        childClassPath = Paths.get(ChildJvm.copyClassPath(work.resolve("cp")));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (shared != null) {
            shared.close();
        }
        if (bpffs != null) {
            Procs.run("umount", "-l", bpffs.toString());
        }
    }

    @Test
    void noCapabilities() throws Exception {
        check("none");
    }

    @Test
    void onlyCapBpf() throws Exception {
        check("bpf");
    }

    @Test
    void capBpfAndCapPerfmon() throws Exception {
        check("bpf+perfmon");
    }

    @Test
    void capBpfAndCapNetAdmin() throws Exception {
        check("bpf+net_admin");
    }

    private static boolean kernelAtLeast(int major, int minor) {
        String[] v = System.getProperty("os.version").split("[.-]");
        int ma = Integer.parseInt(v[0]);
        return ma > major || ma == major && Integer.parseInt(v[1]) >= minor;
    }

    /** Expected outcome: "OK", "PERM" or "SKIP", for one operation and one capability set. */
    static String expected(String op, String set) {
        List<String> have = new ArrayList<String>();
        for (String c : CAP_SETS.get(set)) {
            have.add("CAP_" + c.toUpperCase());
        }
        boolean canLoadSomething = have.contains("CAP_BPF") || unprivilegedDisabled == 0;
        if (op.equals("loadArena") && Kernel.arenasRefusal() != null) {
            return null; // refused to root as well: nothing here is about the child's capabilities
        }
        switch (op) {
            case "createMap":
            case "loadSocketFilter":
                return canLoadSomething ? "OK" : "PERM";
            case "testRun":
                return canLoadSomething ? "OK" : "SKIP";
            case "tracePipe":
                return "PERM"; // tracefs is root's: no capability set of these opens it for nobody
            case "attachXdp":
                return have.containsAll(NEEDS.get("loadXdp")) ? "OK" : "SKIP";
            case "attachUprobeMulti":
                return have.containsAll(NEEDS.get("loadTracing")) ? "OK" : "SKIP";
            case "attachUprobe":
                // Before 6.12 CAP_PERFMON sufficed (a stable backport would show here as PERM: then adjust).
                return !have.containsAll(NEEDS.get("loadTracing")) ? "SKIP" : kernelAtLeast(6, 12) ? "PERM" : "OK";
            default:
                return have.containsAll(NEEDS.get(op)) ? "OK" : "PERM";
        }
    }

    private void check(String set) throws Exception {
        List<String> caps = CAP_SETS.get(set);
        StringBuilder capList = new StringBuilder("-all");
        for (String c : caps) {
            capList.append(",+").append(c);
        }
        String tag = set.replace('+', '_');
        // A private netns whose lo is up (attachXdp finds devices through java.net.NetworkInterface, which lists
        // only devices with an address), then nobody with exactly these capabilities.
        List<String> command = new ArrayList<String>(Arrays.asList("/usr/bin/unshare", "--net", "/bin/sh", "-c",
                "ip link set lo up && exec \"$@\"", "sh", "/usr/bin/setpriv",
                "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=" + capList,
                "--ambient-caps=" + capList, "--bounding-set=" + capList, ChildJvm.javaNobodyCanRun(),
                "-XX:+IgnoreUnrecognizedVMOptions", "--enable-native-access=ALL-UNNAMED", "-cp",
                childClassPath.toString(), PrivilegeChild.class.getName(), pin.toString(),
                Integer.toString(shared.info().id()), bpffs.toString(), tag));
        String output = runChild(command, work.resolve("out-" + tag + ".txt"));
        Map<String, String> got = parse(output);
        RESULTS.put(set, got);
        List<String> failures = new ArrayList<String>();
        StringBuilder table = new StringBuilder();
        for (String op : OPS) {
            String line = got.get(op);
            String want = expected(op, set);
            if (want == null) {
                table.append(String.format("  %-17s %-5s %s (not checked: %s)%n", op, "-", line,
                        Kernel.arenasRefusal()));
                continue;
            }
            table.append(String.format("  %-17s %-5s %s%n", op, want, line));
            if (line == null) {
                failures.add(op + ": no result (child output:\n" + output + ")");
                continue;
            }
            String outcome = line.split(" ", 2)[0];
            String detail = line.length() > outcome.length() ? line.substring(outcome.length() + 1) : "";
            if (!outcome.equals(want)) {
                failures.add(op + ": expected " + want + ", got " + line);
                continue;
            }
            if (outcome.equals("PERM")) {
                checkNames(op, set, detail, failures);
            }
        }
        System.out.println("privilege set '" + set + "' (unprivileged_bpf_disabled=" + unprivilegedDisabled + "):\n"
                + table);
        assertTrue(output.contains("DONE"), "the child did not finish:\n" + output);
        assertTrue(failures.isEmpty(), "as nobody with " + (caps.isEmpty() ? "no capabilities" : caps) + ":\n  "
                + String.join("\n  ", failures));
        if (expected("pinnedMapOps", set).equals("OK")) {
            byte[] v = shared.lookup(CloseStormTest.key(4, 1));
            assertEquals(4001, ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong(),
                    "the child's update reached the pinned map");
        }
    }

    /** The message names what this operation needs and the process lacks, and no unrelated type-specific cap. */
    private static void checkNames(String op, String set, String message, List<String> failures) {
        List<String> have = new ArrayList<String>();
        for (String c : CAP_SETS.get(set)) {
            have.add("CAP_" + c.toUpperCase());
        }
        List<String> needs = NEEDS.get(op);
        List<String> lacking = new ArrayList<String>();
        for (String c : needs) {
            if (!have.contains(c)) {
                lacking.add(c);
            }
        }
        if (op.equals("tracePipe")) {
            if (!message.contains("root")) {
                failures.add(op + ": the message should say tracefs is root's: " + message);
            }
            for (String c : Arrays.asList("CAP_BPF", "CAP_PERFMON", "CAP_NET_ADMIN")) {
                if (message.contains(c)) {
                    failures.add(op + ": names " + c + ", which has nothing to do with tracefs: " + message);
                }
            }
            return;
        }
        // The kernel checks CAP_BPF first: when it is lacking, naming it is enough.
        List<String> mustName = lacking.contains("CAP_BPF") ? Collections.singletonList("CAP_BPF") : lacking;
        for (String c : mustName) {
            if (!message.contains(c)) {
                failures.add(op + ": should name the lacking " + c + ": " + message);
            }
        }
        for (String c : SPECIFIC) {
            if (needs.contains(c) || !message.contains(c)) {
                continue;
            }
            // Loading an object may list what each kind of program needs, if it says which kind; any other
            // operation naming a type-specific capability it does not need has the generic hint.
            String kind = c.equals("CAP_PERFMON") ? "tracing" : "networking";
            if (!op.startsWith("load") || !message.contains(kind)) {
                failures.add(op + ": names " + c + ", which this operation does not need: " + message);
            }
        }
        if (!lacking.isEmpty() && message.contains("the process has CAP_BPF/CAP_SYS_ADMIN")) {
            failures.add(op + ": claims the process has the capability it lacks: " + message);
        }
    }

    private static Map<String, String> parse(String output) {
        Map<String, String> got = new LinkedHashMap<String, String>();
        for (String line : output.split("\n")) {
            if (line.startsWith("RESULT ")) {
                String[] parts = line.split(" ", 3);
                got.put(parts[1], parts.length > 2 ? parts[2] : "");
            }
        }
        return got;
    }

    /** Output to a file, a deadline that starts with the child: a hung child cannot hang the suite. */
    private static String runChild(List<String> command, Path out) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not exit within 120 s: " + command + "\n"
                    + new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1));
        }
        return new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1);
    }

    private static long effectiveCaps() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("CapEff:")) {
                return Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        }
        return 0;
    }

}
