/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.AttachErrors;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.FdKind;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeLayout;
import io.github.bpf4j.internal.NativeOwner;
import io.github.bpf4j.link.AttachPoint;
import io.github.bpf4j.link.Xdp;
import io.github.bpf4j.link.XdpOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A BPF program: of a {@link BpfObject} (runnable once the object is
 * loaded), or on its own, opened from a pin ({@link Pins#openProgram}).
 *
 * <p>Ownership, as for {@link BpfMap}: a program of an object belongs to the
 * object, and closing the object closes it ({@link #close()} on such a
 * program does nothing). A program on its own owns its fd: {@link #close()}
 * releases it, and a forgotten one is released once unreachable. Either
 * way, every call after the close throws {@link IllegalStateException}.
 */
public final class BpfProgram implements AutoCloseable {

    private final BpfObject object; // keeps the object reachable while the program is; null on its own
    private final NativeOwner own; // the fd's owner for a program on its own, else null
    private final Handle handle;
    private final long pointer; // libbpf's bpf_program, 0 on its own
    private final String name;
    private final String section;
    private volatile ProgramType type;
    private volatile int fd = -1;

    BpfProgram(BpfObject owner, Handle handle, long pointer) {
        this.object = owner;
        this.own = null;
        this.handle = handle;
        this.pointer = pointer;
        this.name = Native.programName(pointer);
        this.section = Native.programSection(pointer);
        describe();
    }

    /** A program on its own, owning {@code fd}, described by the kernel. */
    private BpfProgram(int fd, String name, ProgramType type) {
        this.object = null;
        this.pointer = 0;
        this.name = name;
        this.section = null;
        this.type = type;
        this.fd = fd;
        this.own = NativeOwner.ofFd(this, "BpfProgram '" + name + "'", fd);
        this.handle = own.handle();
    }

    /**
     * Wraps a fresh program fd we own (from a pin); closes it if it is not a
     * program or its info cannot be read.
     *
     * @param subject where the fd came from, for the message if it is no program: "the pin"
     */
    static BpfProgram adopt(int fd, String operation, String subject) {
        try {
            FdKind.require(fd, FdKind.PROGRAM, operation, subject);
            int[] info = new int[NativeLayout.PROG_INFO_LEN];
            byte[] nameBytes = new byte[16];
            int n = Native.progInfo(fd, info, nameBytes);
            if (n < 0) {
                throw Errors.of(Errors.Op.INFO, "bpf_prog_get_info_by_fd(" + operation + ")", -n, null);
            }
            String name = n > 0 ? new String(nameBytes, 0, n, StandardCharsets.UTF_8) : "id " + info[NativeLayout.PROG_INFO_ID];
            return new BpfProgram(fd, name, ProgramType.of(info[NativeLayout.PROG_INFO_TYPE]));
        } catch (RuntimeException e) {
            Native.close(fd);
            throw e;
        }
    }

    void describe() {
        type = ProgramType.of(Native.programType(pointer));
        fd = Native.programFd(pointer);
    }

    /**
     * The program's name: from the object file, or for a program on its own
     * the kernel's (the first 15 bytes of the function name).
     */
    public String name() {
        return name;
    }

    /** The ELF section, e.g. {@code raw_tp} or {@code xdp}; null for a program on its own (the kernel keeps none). */
    public String section() {
        return section;
    }

    public ProgramType type() {
        handle.ensureOpen();
        return type;
    }

    /** The program's fd, owned by the object or by this program: valid until closed; never close it yourself. */
    public int fd() {
        handle.ensureOpen();
        checkLive();
        return fd;
    }

    /** The object this program belongs to; null for a program on its own. */
    public BpfObject object() {
        return object;
    }

    /**
     * Pins the program at {@code path} in a BPF filesystem (mounting one at
     * /sys/fs/bpf if that is where the pin goes and none is there), so it
     * outlives this process; reopen it with {@link Pins#openProgram}, remove
     * the pin with {@link Pins#unpin}.
     *
     * @throws BpfException with EEXIST if something is pinned there already (never replaced);
     *     {@link BpfInvalidArgumentException} with the kernel's EPERM if the path is outside any BPF filesystem
     */
    public void pin(Path path) {
        handle.acquire();
        try {
            checkLive();
            Pins.pin(fd, "program '" + name + "'", path);
        } finally {
            handle.release();
        }
    }

    /**
     * Attaches the program the way its section says, with libbpf's automatic
     * attach ({@code bpf_program__attach}): {@code SEC("tp/syscalls/sys_enter_write")}
     * to that tracepoint, {@code raw_tp/sys_enter}, {@code tp_btf/...},
     * {@code fentry/<function>}, {@code uprobe/<binary>:<function>}, and the
     * other sections libbpf knows with a target in their name. Close the link
     * to detach; a forgotten link is detached once unreachable. For a
     * {@code tp/} section, tracefs is mounted at /sys/kernel/tracing if it is
     * mounted nowhere (libbpf reads the tracepoint's id there).
     *
     * @throws BpfNotSupportedException if the section cannot attach by itself (XDP: the message names
     *     {@link #attachXdp}; {@code SEC("raw_tp")} and others without a target: it says how to name one), or
     *     the kernel lacks what the section needs (a kprobe without CONFIG_KPROBES)
     * @throws BpfException with ENOENT if the target does not exist (the message names it)
     * @throws BpfPermissionException without CAP_PERFMON and CAP_BPF (tracing programs)
     * @throws UnsupportedOperationException for a program on its own (from a pin): the kernel keeps no section
     */
    public BpfLink attach() {
        Native.ensureLoaded();
        handle.acquire();
        try {
            checkLive();
            if (section == null) {
                throw new UnsupportedOperationException("attach: program '" + name + "' was opened on its own, and"
                        + " the kernel keeps no section name to attach it by; attach it with attach(AttachPoint) and"
                        + " the point for its hook from io.github.bpf4j.link");
            }
            if (section.startsWith("tp/") || section.startsWith("tracepoint/")) {
                TracePipe.ensureTracefs();
            }
            final String sectionName = section;
            Attachments.Failure failure = errno -> {
                boolean kprobe = sectionName.matches("(kprobe|kretprobe|ksyscall|kretsyscall)/.*");
                return AttachErrors.ofAttach("bpf_program__attach(program '" + name + "', " + sectionName + ")", errno,
                        sectionName, kprobe && !TracePipe.kprobesAvailable());
            };
            if (section.startsWith("usdt")) { // a USDT link must not outlive its object's USDT state
                long link = Native.linkAttach(pointer);
                if (link < 0) {
                    throw failure.of((int) -link);
                }
                return TracingAttach.usdtLink(this, section, link);
            }
            return Attachments.libbpfLink(this, section, () -> Native.linkAttach(pointer), failure);
        } finally {
            handle.release();
        }
    }

    /**
     * Attaches the program to {@code point}: a hook with its options, one type per hook in
     * {@link io.github.bpf4j.link} (the README's attach table lists them). Close the link to detach; a
     * forgotten link is detached once unreachable, and every link ends with this process unless pinned.
     *
     * @throws UnsupportedOperationException if the program's type does not attach to that kind of hook
     * @throws BpfNotSupportedException if this kernel lacks the hook (the message names the kernel option)
     * @throws BpfPermissionException without the capability the hook needs (the message names it)
     */
    public BpfLink attach(AttachPoint point) {
        if (point == null) {
            throw new NullPointerException("point is null");
        }
        Native.ensureLoaded();
        handle.acquire();
        try {
            checkLive();
            return Attachments.attach(this, point);
        } finally {
            handle.release();
        }
    }

    /** Attaches this XDP program to a network interface of this network namespace, in {@link
     * io.github.bpf4j.link.XdpMode#DEFAULT} mode. */
    public BpfLink attachXdp(String interfaceName) {
        return attachXdp(interfaceName, XdpOptions.defaults());
    }

    /**
     * Attaches this XDP program to {@code interfaceName} as a BPF link; close
     * the link to detach. The same as {@code attach(Xdp.on(interfaceName).mode(options.mode()))}.
     *
     * @throws UnsupportedOperationException if this is not an XDP program
     * @throws IllegalArgumentException if this network namespace has no such interface (or the name can be none)
     * @throws BpfException with EBUSY if another XDP program is attached in that mode
     */
    public BpfLink attachXdp(String interfaceName, XdpOptions options) {
        if (interfaceName == null) {
            throw new NullPointerException("interfaceName is null");
        }
        if (options == null) {
            throw new NullPointerException("options is null");
        }
        Native.ensureLoaded();
        handle.acquire();
        try {
            checkLive();
            // Checked here, not by the Xdp point, to keep this method's own message (it names attachXdp).
            if (type != ProgramType.XDP) {
                throw new UnsupportedOperationException("attachXdp: program '" + name + "' is " + type
                        + ", not XDP; attach it the way its type is attached");
            }
            return Attachments.attach(this, Xdp.on(interfaceName).mode(options.mode()));
        } finally {
            handle.release();
        }
    }

    // ---- Before load: what libbpf must know before bpf_object__load (TracingAttach's family) ----

    /**
     * Before {@link BpfObject#load()}: makes this fentry/fexit/fmod_ret or freplace program trace
     * {@code function} of the loaded BPF program {@code target} (its main function is its
     * {@link #name()}; global functions by their names), instead of the section's target
     * ({@code bpf_program__set_attach_target}). Attach it after load with {@link #attach()} or
     * {@code attach(BtfTracing.loadTarget())}.
     *
     * @throws IllegalStateException if this program's object is loaded (or closed, or failed), or {@code target}
     *     is not loaded
     * @throws UnsupportedOperationException for a program on its own (from a pin: it is loaded already)
     */
    public void setAttachTarget(BpfProgram target, String function) {
        if (target == null) {
            throw new NullPointerException("target is null");
        }
        target.handle.acquire();
        try {
            target.checkLive();
            setAttachTarget(target.fd, function, "program '" + target.name + "'");
        } finally {
            target.handle.release();
        }
    }

    /**
     * Before load: as {@link #setAttachTarget(BpfProgram, String)}, for a BPF program this process
     * holds an fd of ({@code targetProgramFd} > 0), or with 0 for {@code function} of the kernel
     * (vmlinux or a module: fentry/fexit/fmod_ret/lsm/tp_btf on another target than the section's).
     */
    public void setAttachTarget(int targetProgramFd, String function) {
        if (targetProgramFd < 0) {
            throw new IllegalArgumentException("setAttachTarget: fd " + targetProgramFd + " is no fd; 0 means the"
                    + " kernel");
        }
        setAttachTarget(targetProgramFd, function, targetProgramFd == 0 ? "the kernel" : "program fd "
                + targetProgramFd);
    }

    private void setAttachTarget(int targetFd, String function, String subject) {
        if (function == null) {
            throw new NullPointerException("function is null");
        }
        if (function.isEmpty() || function.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("setAttachTarget: function '" + function + "' must be non-empty"
                    + " without NUL");
        }
        final byte[] f = function.getBytes(StandardCharsets.UTF_8);
        beforeLoad("setAttachTarget", () -> Errors.check(Errors.Op.ATTACH_TARGET, "bpf_program__set_attach_target("
                + "program '" + name + "', " + subject + ", " + function + ")",
                Native.programSetAttachTarget(pointer, targetFd, f)));
    }

    /**
     * Before load: whether {@link BpfObject#load()} loads this program (default true:
     * {@code bpf_program__set_autoload}). A program left out is never in the kernel: an object
     * can carry programs for hooks a kernel may lack and load only the ones that fit.
     *
     * @throws IllegalStateException once the object is loaded (or closed, or failed)
     */
    public void setAutoload(boolean autoload) {
        beforeLoad("setAutoload", () -> Errors.check(Errors.Op.ATTACH_TARGET, "bpf_program__set_autoload(program '"
                + name + "')", Native.programSetAutoload(pointer, autoload)));
    }

    /** Whether load() loads (or loaded) this program; false for a program on its own (it was loaded elsewhere). */
    public boolean autoload() {
        handle.acquire();
        try {
            return pointer != 0 && Native.programAutoload(pointer);
        } finally {
            handle.release();
        }
    }

    /** Runs {@code change} while the object is opened and cannot start loading. */
    private void beforeLoad(String method, Runnable change) {
        handle.acquire();
        try {
            if (object == null) {
                throw new UnsupportedOperationException(method + ": program '" + name + "' was opened on its own and"
                        + " is loaded already; " + method + " applies to a program of a BpfObject before load()");
            }
            synchronized (object) { // load() holds this lock for the whole load
                BpfObject.State state = object.state();
                if (state != BpfObject.State.OPENED) {
                    throw new IllegalStateException(method + ": program '" + name + "' of " + object + " is "
                            + state.name().toLowerCase(java.util.Locale.ROOT) + "; libbpf takes this before load():"
                            + " call it between BpfObject.open and load()");
                }
                change.run();
            }
        } finally {
            handle.release();
        }
    }

    // ---- end of the before-load group ----

    /** Runs the program once with no input; returns the run's request and results. */
    public TestRun testRun() {
        return testRun(new TestRun());
    }

    /**
     * Runs the program with {@code BPF_PROG_TEST_RUN}. The results land in
     * {@code run}; reuse it (and direct buffers) for runs that allocate nothing.
     *
     * @return {@code run}, holding the results ({@link TestRun#retval()}, ...)
     * @throws BpfException with ENOSPC if an output buffer is too small (the
     *     sizes the kernel wanted are in {@code run} all the same)
     */
    public TestRun testRun(TestRun run) {
        if (run == null) {
            throw new NullPointerException("run is null");
        }
        handle.acquire();
        try {
            checkLive();
            int ret = run.run(fd);
            if (ret < 0) {
                throw run.failure(op(), -ret, type);
            }
            return run;
        } finally {
            handle.release();
        }
    }

    /** libbpf's struct bpf_program, 0 for a program on its own; valid while the handle is held. */
    long pointer() {
        return pointer;
    }

    Handle handle() {
        return handle;
    }

    private String op() {
        return "bpf_prog_test_run_opts(program '" + name + "', " + type + ")";
    }

    private void checkLive() {
        if (fd < 0) {
            throw new IllegalStateException("program '" + name + "' of " + object
                    + " is not in the kernel yet: call load() first");
        }
    }

    /**
     * Releases the program's fd if this program owns it (opened with
     * {@link Pins#openProgram}). For a program of a {@link BpfObject} it
     * does nothing: the object owns it. Links attached with it stay attached
     * until closed (the kernel keeps the program while a link holds it).
     * Idempotent.
     */
    @Override
    public void close() {
        if (own != null) {
            own.close();
        }
    }

    @Override
    public String toString() {
        return "BpfProgram[" + name + ", " + type + (section != null ? ", section " + section : ", on its own")
                + (handle.isClosed() ? ", closed" : "") + "]";
    }

    // ---- programs from elsewhere, and what the kernel says (h3: issue 11, links and program info)

    /**
     * Opens the program pinned at {@code path} (by this or another process): on its own, as from
     * {@link Pins#openProgram}, which this is.
     *
     * @throws IllegalArgumentException if the pin is a map or link, not a program
     * @throws BpfException with ENOENT if nothing is pinned there
     */
    public static BpfProgram openPinned(Path path) {
        return Pins.openProgram(path);
    }

    /**
     * Opens the program with this id (see {@link Bpf4j#programs()}, {@link LinkInfo#programId()}): on
     * its own, owning a new fd.
     *
     * @throws BpfException with ENOENT if no program has that id now
     * @throws BpfPermissionException without CAP_SYS_ADMIN
     */
    public static BpfProgram fromId(int id) {
        Native.ensureLoaded();
        int fd = Native.fdById(Native.IDS_PROG, id);
        if (fd < 0) {
            throw Errors.of(Errors.Op.BY_ID, "bpf_prog_get_fd_by_id(" + id + ")", -fd, null);
        }
        return adopt(fd, "BpfProgram.fromId(" + id + ")", "program id " + id);
    }

    /**
     * Opens the program behind an fd this process got elsewhere (SCM_RIGHTS, another library). bpf4j
     * {@code dup}s it and owns only its copy, as {@link BpfMap#fromFd} does: the caller keeps and closes
     * {@code fd}.
     *
     * @throws BpfInvalidArgumentException if {@code fd} is not open (dup's EBADF)
     * @throws IllegalArgumentException if {@code fd} is negative or not a BPF program, saying what it is
     */
    public static BpfProgram fromFd(int fd) {
        Native.ensureLoaded();
        String method = "BpfProgram.fromFd(" + fd + ")";
        if (fd < 0) {
            throw new IllegalArgumentException(method + ": " + fd + " is not a file descriptor; pass the fd of a BPF"
                    + " program this process holds");
        }
        int copy = Native.dup(fd);
        if (copy < 0) {
            throw Errors.of(Errors.Op.FD_DUP, "dup(" + fd + ")", -copy,
                    fd <= 2 ? FdKind.streamName(fd) + ", closed" : null);
        }
        return adopt(copy, method, "fd " + fd + (fd <= 2 ? " (" + FdKind.streamName(fd) + ")" : ""));
    }

    /**
     * What the kernel says about this program now: id, tag, sizes, map ids, and run count and time
     * (counted while {@link Bpf4j#enableStats()} is open).
     */
    public ProgramInfo info() {
        handle.acquire();
        try {
            checkLive();
            return readInfo(fd, "program '" + name + "'");
        } finally {
            handle.release();
        }
    }

    static ProgramInfo readInfo(int fd, String operation) {
        long[] f = new long[NativeLayout.PROGRAM_INFO_LEN];
        byte[] nameBytes = new byte[16];
        byte[] tag = new byte[NativeLayout.PROGRAM_INFO_TAG_BYTES];
        int err = Native.programInfo(fd, f, nameBytes, tag);
        if (err < 0) {
            throw Errors.of(Errors.Op.INFO, "bpf_prog_get_info_by_fd(" + operation + ")", -err, null);
        }
        int[] ids = new int[(int) f[NativeLayout.PROGRAM_INFO_NR_MAP_IDS]];
        // The program's maps are fixed at load, so the second call finds as many.
        int n = ids.length == 0 ? 0 : Native.programMapIds(fd, ids);
        if (n < 0) {
            throw Errors.of(Errors.Op.INFO, "bpf_prog_get_info_by_fd(" + operation + ", map ids)", -n, null);
        }
        return new ProgramInfo(f, new String(nameBytes, 0, (int) f[NativeLayout.PROGRAM_INFO_NAME_SIZE],
                StandardCharsets.UTF_8), tag, n == ids.length ? ids : java.util.Arrays.copyOf(ids, Math.min(n, ids.length)));
    }
}
