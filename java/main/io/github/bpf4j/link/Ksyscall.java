/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * A kprobe on a system call's kernel entry point, found by the syscall's name
 * whatever this architecture calls the function ({@code __x64_sys_write},
 * {@code __arm64_sys_write}): {@code bpf_program__attach_ksyscall}, for a
 * {@code SEC("ksyscall")}/{@code SEC("kretsyscall")} program. Needs CONFIG_KPROBES.
 */
public final class Ksyscall extends TracingPoint {
    private final String syscall;
    private final boolean retprobe;
    private final long cookie;

    private Ksyscall(String syscall, boolean retprobe, long cookie) {
        this.syscall = syscall;
        this.retprobe = retprobe;
        this.cookie = cookie;
    }

    /** The entry of system call {@code syscall}, e.g. {@code "write"}. */
    public static Ksyscall of(String syscall) {
        return new Ksyscall(requireName("syscall", syscall), false, 0);
    }

    /** The return of system call {@code syscall}. */
    public static Ksyscall returnOf(String syscall) {
        return of(syscall).retprobe(true);
    }

    /** True: a kretprobe, run when the system call returns (a {@code SEC("kretsyscall")} program). */
    public Ksyscall retprobe(boolean retprobe) {
        return new Ksyscall(syscall, retprobe, cookie);
    }

    /** What {@code bpf_get_attach_cookie()} returns in the program. */
    public Ksyscall cookie(long cookie) {
        return new Ksyscall(syscall, retprobe, cookie);
    }

    /** The system call's name set by {@link #of} or {@link #returnOf}, without its architecture's prefix. */
    public String syscall() {
        return syscall;
    }

    /** Whether this probes the return ({@link #retprobe}). */
    public boolean isRetprobe() {
        return retprobe;
    }

    /** The cookie set by {@link #cookie(long)}; 0 unless set. */
    public long cookie() {
        return cookie;
    }

    /** {@code ksyscall/write} or {@code kretsyscall/write}. */
    @Override
    public String target() {
        return (retprobe ? "kretsyscall/" : "ksyscall/") + syscall;
    }

    @Override
    Object[] values() {
        return new Object[] {syscall, retprobe, cookie};
    }

    @Override
    public String toString() {
        return "Ksyscall[" + target() + cookieText(cookie) + "]";
    }
}
