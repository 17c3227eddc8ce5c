/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.Pins;
import java.nio.file.Paths;

/**
 * CgroupPermissionTest's child, run as nobody with chosen capabilities: opens
 * the pinned egress program (args[0]) and attaches it at the cgroup
 * (args[1]), as a link and legacy; prints "attached" or the exception.
 */
public final class CgroupPermissionChild {
    private CgroupPermissionChild() {}

    public static void main(String[] args) {
        try (BpfProgram p = Pins.openProgram(Paths.get(args[0]))) {
            for (Cgroup point : new Cgroup[] {Cgroup.at(args[1]).hook(CgroupHook.EGRESS),
                Cgroup.at(args[1]).hook(CgroupHook.EGRESS).legacy()}) {
                try (BpfLink link = p.attach(point)) {
                    System.out.println("attached " + point.isLegacy());
                } catch (BpfException e) {
                    System.out.println("refused " + point.isLegacy() + " " + e.getClass().getSimpleName() + " "
                            + e.errnoName() + " hint: " + e.hint());
                }
            }
        } catch (RuntimeException e) {
            System.out.println("failed " + e);
        }
    }
}
