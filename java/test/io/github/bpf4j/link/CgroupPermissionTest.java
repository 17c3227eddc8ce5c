/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfObject;
import io.github.bpf4j.ChildJvm;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.Pins;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capability a cgroup attach needs, in child JVMs run as nobody: with
 * CAP_BPF alone the attach is refused (a link with EPERM, the legacy attach
 * with EINVAL) with a hint naming CAP_NET_ADMIN; with CAP_BPF and
 * CAP_NET_ADMIN it attaches (link and legacy).
 */
@Tag("once")
class CgroupPermissionTest {
    @TempDir
    Path work;

    private static String child(String classPath, String caps, Path pin, Path cgroup) throws Exception {
        List<String> command = new ArrayList<String>(Arrays.asList("/usr/bin/setpriv", "--reuid=65534",
                "--regid=65534", "--clear-groups", "--inh-caps=" + caps, "--ambient-caps=" + caps,
                "--bounding-set=" + caps, ChildJvm.javaNobodyCanRun(), "-XX:+IgnoreUnrecognizedVMOptions",
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(ChildJvm.bpf4jProperties());
        command.addAll(Arrays.asList("-cp", classPath, CgroupPermissionChild.class.getName(), pin.toString(),
                cgroup.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        return new String(ChildJvm.drainBytes(p, 120, TimeUnit.SECONDS, command.toString()),
                StandardCharsets.ISO_8859_1).trim();
    }

    @Test
    void cgroupAttachNeedsCapNetAdmin() throws Exception {
        Kernel.requireBpf();
        assumeTrue(ChildJvm.canDropToNobody(), ChildJvm.DROP_REASON);
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (TestCgroup cg = TestCgroup.create(); Kernel.PrivateBpfFs fs = Kernel.privateBpfFs();
                BpfObject obj = BpfObject.openResource(CgroupHooksTest.OBJ).load()) {
            Files.setPosixFilePermissions(fs.path(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Path pin = fs.resolve("egress");
            obj.program("count_egress").pin(pin);
            try {
                Files.setPosixFilePermissions(pin, PosixFilePermissions.fromString("rw-rw-rw-"));
                String classPath = ChildJvm.copyClassPath(work.resolve("cp"));
                String bpfOnly = child(classPath, "-all,+bpf", pin, cg.path());
                String[] lines = bpfOnly.split("\n");
                assertEquals(2, lines.length, bpfOnly);
                assertTrue(lines[0].startsWith("refused false BpfPermissionException EPERM")
                        && lines[0].contains("needs CAP_NET_ADMIN and this process lacks CAP_NET_ADMIN"), bpfOnly);
                // The legacy attach answers EINVAL without the capability (6.18); the hint says what is missing.
                assertTrue(lines[1].startsWith("refused true BpfInvalidArgumentException EINVAL")
                        && lines[1].contains("this process lacks CAP_NET_ADMIN"), bpfOnly);
                String netAdmin = child(classPath, "-all,+bpf,+net_admin", pin, cg.path());
                assertEquals("attached false\nattached true", netAdmin);
            } finally {
                Pins.unpin(pin);
            }
        }
    }
}
