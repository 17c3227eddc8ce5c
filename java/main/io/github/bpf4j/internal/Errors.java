/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfInvalidArgumentException;
import io.github.bpf4j.BpfKeyExistsException;
import io.github.bpf4j.BpfMapFullException;
import io.github.bpf4j.BpfNotSupportedException;
import io.github.bpf4j.BpfOutOfMemoryException;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.BpfVerifierException;
import io.github.bpf4j.MapType;
import io.github.bpf4j.ProgramType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;

/** The one mapping from errno to exception, message and hint. */
public final class Errors {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int E2BIG = 7;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENXIO = 6;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOSPC = 28;
    public static final int ENOSYS = 38;
    public static final int EOPNOTSUPP = 95;
    public static final int ENOTSUPP = 524;

    private static final String[] NAMES = new String[134];
    private static final Map<Integer, String> OTHER_NAMES = new HashMap<Integer, String>();

    static {
        String[] generic = {null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC",
            "EBADF", "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV",
            "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC",
            "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS",
            "ENOTEMPTY", "ELOOP", null, "ENOMSG", "EIDRM"};
        System.arraycopy(generic, 0, NAMES, 0, generic.length);
        NAMES[61] = "ENODATA";
        NAMES[62] = "ETIME";
        NAMES[74] = "EBADMSG";
        NAMES[75] = "EOVERFLOW";
        NAMES[84] = "EILSEQ";
        NAMES[88] = "ENOTSOCK";
        NAMES[90] = "EMSGSIZE";
        NAMES[93] = "EPROTONOSUPPORT";
        NAMES[95] = "EOPNOTSUPP";
        NAMES[97] = "EAFNOSUPPORT";
        NAMES[98] = "EADDRINUSE";
        NAMES[99] = "EADDRNOTAVAIL";
        NAMES[100] = "ENETDOWN";
        NAMES[105] = "ENOBUFS";
        NAMES[110] = "ETIMEDOUT";
        NAMES[114] = "EALREADY";
        NAMES[115] = "EINPROGRESS";
        NAMES[116] = "ESTALE";
        NAMES[122] = "EDQUOT";
        NAMES[125] = "ECANCELED";
        NAMES[133] = "EHWPOISON";
        OTHER_NAMES.put(512, "ERESTARTSYS");
        OTHER_NAMES.put(524, "ENOTSUPP");
        String[] libbpf = {"LIBBPF_ERRNO__LIBELF", "LIBBPF_ERRNO__FORMAT", "LIBBPF_ERRNO__KVERSION",
            "LIBBPF_ERRNO__ENDIAN", "LIBBPF_ERRNO__INTERNAL", "LIBBPF_ERRNO__RELOC", "LIBBPF_ERRNO__LOAD",
            "LIBBPF_ERRNO__VERIFY", "LIBBPF_ERRNO__PROG2BIG", "LIBBPF_ERRNO__KVER", "LIBBPF_ERRNO__PROGTYPE",
            "LIBBPF_ERRNO__WRNGPID", "LIBBPF_ERRNO__INVSEQ", "LIBBPF_ERRNO__NLPARSE"};
        for (int i = 0; i < libbpf.length; i++) {
            OTHER_NAMES.put(4000 + i, libbpf[i]);
        }
        // Loaded with Errors, not at the first failure: that failure may be EMFILE, and loading a class opens a file.
        AttachErrors.preload();
    }

    private static final String LOG_BEGIN = "-- BEGIN PROG LOAD LOG --";
    /** What libbpf 1.x prints for a 'struct bpf_map_def SEC("maps")' object. */
    private static final String LEGACY_MAPS = "legacy map definitions";
    private static final String LOG_END = "-- END PROG LOAD LOG --";
    /** libbpf's probe before loading anything (bpf_object__probe_loading). */
    static final String TRIVIAL_PROGRAM = "Couldn't load trivial BPF program";

    private Errors() {}

    public static String errnoName(int errno) {
        String name = errno > 0 && errno < NAMES.length ? NAMES[errno] : OTHER_NAMES.get(errno);
        return name != null ? name : "errno " + errno;
    }

    /** Throws {@link #of}'s exception for {@code ret} if it is negative (a -errno); returns it otherwise. */
    public static int check(Op op, String call, int ret) {
        if (ret < 0) {
            throw of(op, call, -ret, null);
        }
        return ret;
    }

    /** Called by the C shim (errors.c) for calls that throw from native code. */
    static RuntimeException fromNative(String operation, int errno, String detail) {
        return exception(operation, errno, detail);
    }

    /**
     * The exception for a call that failed with a native errno, the operation
     * kind read from the call string: only for the C shim ({@link #fromNative}
     * passes just a string); Java code names its {@link Op} in
     * {@link #of(Op, String, int, String)}.
     */
    static BpfException exception(String operation, int errno, String detail) {
        return of(Op.of(operation), operation, errno, detail);
    }

    /**
     * The one mapping: the exception for {@code call} (read
     * {@code c_function(subject)}) of kind {@code op} that failed with the
     * real {@code errno} (the kernel's, libbpf's or a native syscall's).
     * The class and the hint are chosen here from {@code op} and
     * {@code errno}, nowhere else.
     *
     * @param detail what libbpf printed while the call ran (may hold a verifier log), or for calls made
     *     from Java a short description of the subject (e.g. "standard input" for an fd); may be null
     */
    public static BpfException of(Op op, String call, int errno, String detail) {
        if (op == null) {
            throw new NullPointerException("op");
        }
        String operation = call;
        String name = errnoName(errno);
        String verifierLog = extractVerifierLog(detail);
        String verdict = verifierLog == null ? null : verdict(verifierLog);
        if (verifierLog != null && op != Op.OPEN && op != Op.VALIDATE && isPermission(errno)
                && verdict.contains("CAP_")) {
            // The verifier refuses some features for lack of a capability ("CAP_BPF and CAP_PERFMON are
            // required to use arena"): a privilege to grant, not a program to fix.
            String program = programName(detail);
            return new BpfPermissionException(operation, errno, name, "the verifier refused "
                    + (program != null ? "program '" + program + "'" : "a program") + " for lack of privilege: "
                    + verdict, verifierPrivilegeHint(verdict));
        }
        if (verifierLog != null && op != Op.OPEN && op != Op.VALIDATE) {
            String program = programName(detail);
            return new BpfVerifierException(operation, errno, name,
                    "the verifier rejected " + (program != null ? "program '" + program + "'" : "a program")
                            + ": " + verdict,
                    "read verifierLog() (the whole verifier log) from the last instruction upwards", verifierLog);
        }
        if (detail != null && detail.contains(LEGACY_MAPS)) {
            return new BpfNotSupportedException(operation, errno, name, "the object declares maps with the legacy"
                    + " 'struct bpf_map_def SEC(\"maps\")' syntax, which libbpf 1.x no longer supports",
                    "declare maps in the BTF-defined form: struct { __uint(type, BPF_MAP_TYPE_HASH);"
                            + " __uint(max_entries, 100); __type(key, int); __type(value, int); } my_map SEC(\".maps\");");
        }
        if (op == Op.LINK_UPDATE && errno == EPERM && "replace".equals(detail)) {
            // With BPF_F_REPLACE the kernel's EPERM is the expectation failing, not a missing privilege.
            return new BpfException(operation, errno, name, "the link no longer runs the expected program",
                    "another update replaced it first: read link.info().programId() and decide again");
        }
        if (op == Op.VALIDATE) {
            return new BpfInvalidArgumentException(operation, errno, name, "the file is not a well-formed BPF object"
                    + (detail == null || detail.trim().isEmpty() ? "" : ": " + detail.trim()),
                    "rebuild it with clang -O2 -g -target bpf -c prog.bpf.c; an object that fails this check was"
                            + " truncated, corrupted or not made for BPF, and libbpf never saw it");
        }
        if (op == Op.OPEN && errno != ENOMEM && !isPermission(errno) && errno != EMFILE && errno != ENFILE) {
            String libbpfSaid = lastWarnings(detail);
            return new BpfInvalidArgumentException(operation, errno, name, "the bytes are not a BPF ELF object libbpf"
                    + " can read" + (libbpfSaid.isEmpty() ? "" : " (libbpf: " + libbpfSaid + ")"),
                    "pass the .bpf.o that clang -O2 -g -target bpf produced, whole; opening involves no kernel,"
                            + " so this is about the file, not about privileges or kernel support");
        }
        String special = javaSideMessage(op, call, errno, detail);
        if (special != null) {
            return classify(op, operation, errno, name, special, hint(op, errno), null);
        }
        String message = op == Op.XDP_ATTACH && errno == EBUSY
                ? "another XDP program is already attached to " + between(operation, "xdp, ", ")") : describe(errno);
        String libbpfSaid = isLibbpfOp(op) ? lastWarnings(detail) : "";
        if (isPermission(errno) && detail != null && detail.contains(TRIVIAL_PROGRAM)) {
            // libbpf blames CONFIG_BPF_SYSCALL and RLIMIT_MEMLOCK for what is a missing privilege.
            message = message + ": this process may not load even a trivial BPF program";
        } else if (!libbpfSaid.isEmpty()) {
            message = message + "; libbpf: " + libbpfSaid;
        } else if (!isLibbpfOp(op) && detail != null && !detail.trim().isEmpty()) {
            message = message + ": " + detail.trim(); // what the shim or the caller knows about the subject
        }
        return classify(op, operation, errno, name, message, hint(op, errno), detail);
    }

    /**
     * The exception for a pin-path call ({@link Op#PIN}, {@link Op#PIN_OPEN},
     * {@link Op#UNPIN}) that failed with the kernel's {@code errno}: the
     * errno stands as it is; the message and hint say what the path really
     * is (missing, a directory, outside any BPF filesystem, a pin this user
     * may not open), as the filesystem answers now.
     */
    public static BpfException ofPath(Op op, String call, int errno, Path path) {
        String name = errnoName(errno);
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        boolean exists = Files.exists(abs, LinkOption.NOFOLLOW_LINKS);
        boolean isDir = exists && Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS);
        Path fsOf = isDir || dir == null ? abs : dir;
        long fsType = Native.statfsType(fsOf.toString());
        boolean onBpfFs = fsType == BpfFs.BPF_FS_MAGIC;
        String fs = fsType < 0 ? "its filesystem unknown: " + errnoName((int) -fsType)
                : "filesystem type 0x" + Long.toHexString(fsType);
        String notBpfFs = fsOf + " is not in a BPF filesystem (" + fs + ")";
        String pinUnder = "pins live on a BPF filesystem (bpffs): pin under /sys/fs/bpf (bpf4j mounts it when"
                + " missing and allowed; by hand: mount -t bpf bpf /sys/fs/bpf) or another bpffs mount";
        int uid = Native.geteuid();
        switch (op) {
            case PIN:
                if (errno == EEXIST) {
                    return new BpfException(call, errno, name, path + " exists already",
                            "unpin it first (Pins.unpin) or pick another name; a pin is never replaced");
                }
                if (errno == EPERM && !onBpfFs && dir != null && Files.isDirectory(dir)) {
                    // The kernel's answer to a pin outside bpffs: EPERM, which no privilege changes.
                    return new BpfInvalidArgumentException(call, errno, name, "the kernel pins only in a BPF"
                            + " filesystem, and " + notBpfFs, pinUnder);
                }
                if (errno == ENOENT) {
                    return new BpfException(call, errno, name, "the directory " + dir + " does not exist",
                            "create it first (mkdir in the BPF filesystem), or pin at an existing directory");
                }
                break;
            case PIN_OPEN:
                if (!exists) {
                    if (dir != null && Files.exists(dir) && !Files.isExecutable(dir)) {
                        return new BpfPermissionException(call, errno, name, "this process (uid " + uid
                                + ") may not look into " + dir + " (" + describeFile(dir) + ")",
                                "pins are reached through their directories: give this user search (x) permission on "
                                        + dir + ", or open the pin as a user who has it");
                    }
                    return new BpfException(call, errno, name, "nothing is pinned at " + path
                            + (dir != null && Files.isDirectory(dir) && !onBpfFs ? " (and " + notBpfFs + ")" : ""),
                            "check the path; list pins with ls on the BPF filesystem (e.g. ls /sys/fs/bpf)");
                }
                if (isDir) {
                    return new BpfInvalidArgumentException(call, errno, name, path + " is a directory"
                            + (onBpfFs ? " of a BPF filesystem" : "") + ", not a pin",
                            "name the pin file inside it, e.g. " + path.resolve("my_map"));
                }
                if (!onBpfFs) {
                    return new BpfInvalidArgumentException(call, errno, name, path + " is "
                            + (Files.isRegularFile(abs, LinkOption.NOFOLLOW_LINKS) ? "a regular file"
                                    : "a " + describeFile(abs)) + " outside any BPF filesystem ("
                            + fs + "), not a pin", pinUnder);
                }
                if (isPermission(errno)) {
                    return new BpfPermissionException(call, errno, name, path + " is a pin (" + describeFile(abs)
                            + ") that this process (uid " + uid + ") may not open",
                            "opening a pin read-write needs read and write permission on the pin file: chmod/chown it"
                                    + " (e.g. chmod 0644 for readers), or open it as its owner; no BPF capability"
                                    + " overrides this");
                }
                break;
            case UNPIN:
                if (errno == ENOENT) {
                    return new BpfException(call, errno, name, "nothing is pinned at " + path,
                            "check the path; list pins with ls on the BPF filesystem");
                }
                if (errno == EISDIR) {
                    return new BpfInvalidArgumentException(call, errno, name, path + " is a directory, not a pin",
                            "name a pin file inside it; an empty bpffs directory is removed with rmdir");
                }
                if (isPermission(errno)) {
                    return new BpfPermissionException(call, errno, name, "this process (uid " + uid + ") may not"
                            + " remove entries of " + dir + " (" + (dir == null ? "?" : describeFile(dir)) + ")",
                            "removing a pin needs write and search permission on its directory (and, with the"
                                    + " sticky bit, owning the pin); no BPF capability overrides this");
                }
                break;
            default:
                break;
        }
        return of(op, call, errno, null);
    }

    /** "mode 0600, owner uid 0" as far as this process may see. */
    private static String describeFile(Path path) {
        try {
            Map<String, Object> a = Files.readAttributes(path, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            return "mode 0" + Integer.toOctalString(mode & 07777) + ", owner uid " + a.get("uid");
        } catch (IOException | RuntimeException e) {
            return "attributes not readable";
        }
    }

    /** Ops whose detail is libbpf's log; for the others it describes the subject. */
    private static boolean isLibbpfOp(Op op) {
        return op == Op.OPEN || op == Op.LOAD || op == Op.MAP_CREATE || op == Op.PROBE_MAP || op == Op.PROBE_PROG
                || op == Op.OTHER;
    }

    /** Messages for Java-made calls where the errno alone says too little. Null: the generic one. */
    private static String javaSideMessage(Op op, String call, int errno, String detail) {
        String subject = detail == null || detail.isEmpty() ? "" : " (" + detail + ")";
        String network = AttachErrors.networkMessage(op, call, errno);
        if (network != null) {
            return network;
        }
        switch (op) {
            case FD_DUP:
                if (errno == EBADF) {
                    return "fd " + between(call, "(", ")") + subject + " is not open in this process";
                }
                return null;
            case TRACE_PIPE:
                if (errno == EBUSY) {
                    return "the trace pipe has a reader already";
                }
                if (errno == ENOENT) {
                    return "tracefs is mounted but has no trace_pipe: this kernel was built without tracing";
                }
                return null;
            case TRACEFS_MOUNT:
                return "tracefs is not mounted at " + between(call, ", ", ")") + " and mounting it failed";
            case TEST_RUN:
                if (errno == ENOSPC) {
                    return "an output buffer is too small" + (detail == null ? "" : ": " + detail);
                }
                return null;
            case ARENA_COPY:
                if (errno == EFAULT) {
                    return (detail == null ? "a page of the range" : detail) + " is not allocated";
                }
                return null;
            case ARENA_MMAP:
                // detail: the arena's map_extra as the caller knows it ("0" or "0x...").
                if (errno == EEXIST) {
                    return "arena '" + between(call, "(arena '", "')") + "' lives at " + detail + " (its map_extra), which is already mapped in this process,"
                            + " most likely by another handle of the same arena";
                }
                if (errno == EINVAL || errno == EBUSY) {
                    return "arena '" + between(call, "(arena '", "')") + "' is already mapped by whoever created or"
                            + " first mapped it, at an address this handle cannot learn (map_extra is " + detail + "), and the kernel maps an arena at that"
                            + " one address only";
                }
                return null;
            default:
                return null;
        }
    }

    /**
     * What kind of call failed: the hint, the exception class and the
     * capability a permission hint names depend on it. Java callers name it
     * in {@link #of}; {@link #of(String)} reads it from a C call's string.
     */
    public enum Op {
        /** bpf_object__open_mem: parsing an ELF object, no kernel involved. */
        OPEN,
        /** bpf4j's structural check of an ELF object before libbpf sees it. */
        VALIDATE,
        /** bpf_object__load: creating an object's maps and loading its programs. */
        LOAD,
        /** bpf_map_create, bpf_map__reuse_fd. */
        MAP_CREATE,
        /** Element and batch operations on a map. */
        MAP_ELEM,
        /** An element update (bpf_map_update_elem, push): a full map or an index past the end is the answer. */
        MAP_UPDATE,
        /** bpf_obj_pin: creating a pin. */
        PIN,
        /** bpf_obj_get: opening a pin. */
        PIN_OPEN,
        /** unlink of a pin. */
        UNPIN,
        /** dup of an fd handed in by the caller (fromFd). */
        FD_DUP,
        /** bpf_*_get_info_by_fd. */
        INFO,
        /** bpf_*_get_fd_by_id, bpf_*_get_next_id. */
        BY_ID,
        /** bpf_prog_test_run_opts. */
        TEST_RUN,
        /** bpf_link_create for XDP. */
        XDP_ATTACH,
        /** bpf_program__attach: libbpf's automatic attach from the section name (BpfProgram.attach()). */
        PROG_ATTACH,
        // tracing attach points (TracingAttach)
        /** bpf_program__attach_kprobe_opts, bpf_program__attach_ksyscall (kprobe, kretprobe, syscall probes). */
        KPROBE_ATTACH,
        /** bpf_program__attach_kprobe_multi_opts (kprobe.multi, kprobe.session: fprobe-based). */
        KPROBE_MULTI_ATTACH,
        /** bpf_program__attach_uprobe_opts, bpf_program__attach_uprobe_multi. */
        UPROBE_ATTACH,
        /** bpf_program__attach_usdt. */
        USDT_ATTACH,
        /** bpf_program__attach_tracepoint_opts. */
        TRACEPOINT_ATTACH,
        /** bpf_program__attach_raw_tracepoint_opts. */
        RAW_TP_ATTACH,
        /** bpf_program__attach_trace_opts (fentry/fexit/fmod_ret/lsm/tp_btf/freplace at the load target). */
        BTF_TRACE_ATTACH,
        /** perf_event_open of a sampling event and bpf_program__attach_perf_event_opts. */
        PERF_EVENT_ATTACH,
        /** bpf_program__set_attach_target, set_autoload (before load). */
        ATTACH_TARGET,

        // networking attach points (NetworkAttach)
        /** bpf_link_create for tcx (BPF_TCX_INGRESS/EGRESS). */
        TCX_ATTACH,
        /** bpf_tc_hook_create / bpf_tc_attach: classic tc (clsact qdisc, cls_bpf filter). */
        TC_ATTACH,
        /** bpf_link_create for netkit (BPF_NETKIT_PRIMARY/PEER). */
        NETKIT_ATTACH,
        /** bpf_program__attach_sockmap: sk_msg / sk_skb on a SOCKMAP or SOCKHASH. */
        SOCKMAP_ATTACH,
        /** bpf_program__attach_netns: sk_lookup, flow_dissector; and opening the namespace file. */
        NETNS_ATTACH,
        /** bpf_program__attach_netfilter. */
        NETFILTER_ATTACH,

        // cgroup attach points (CgroupAttach)
        /** open of the cgroup directory a {@code link.Cgroup} names. */
        CGROUP_OPEN,
        /** bpf_link_create or bpf_prog_attach at a cgroup hook ({@code link.Cgroup}). */
        CGROUP_ATTACH,

        // links, program info, iterators, struct_ops (BpfLink, SystemAttach)
        /** bpf_link_update: replacing a link's program (BpfLink.update). */
        LINK_UPDATE,
        /** bpf_link_detach: BPF_LINK_DETACH (BpfLink.detach). */
        LINK_DETACH,
        /** bpf_enable_stats(BPF_STATS_RUN_TIME) (Bpf4j.enableStats). */
        ENABLE_STATS,
        /** bpf_program__attach_iter, bpf_iter_create and read of an iterator (link.Iter). */
        ITER,
        /** bpf_map__attach_struct_ops (BpfMap.attachStructOps). */
        STRUCT_OPS,

        /** libbpf_probe_bpf_map_type. */
        PROBE_MAP,
        /** libbpf_probe_bpf_prog_type. */
        PROBE_PROG,
        /** open/read of the trace pipe. */
        TRACE_PIPE,
        /** mount of tracefs. */
        TRACEFS_MOUNT,
        /** mmap of a map. */
        MMAP,
        /** process_vm_readv/writev on an arena (copies that must not fault). */
        ARENA_COPY,
        /** mmap of an arena, whose user-space address the kernel fixes at its first mapping. */
        ARENA_MMAP,
        /** epoll_create1/epoll_ctl/epoll_wait and eventfd of a ring buffer consumer (ringbuf.RingBuffer, RingBufferPoller). */
        RINGBUF_POLL,
        /** perf_event_open, its mmap and ioctl(PERF_EVENT_IOC_ENABLE) for a perf buffer (ringbuf.PerfBuffer). */
        PERF_BUFFER,
        /** Anything else. */
        OTHER;

        /** The kind of a C call's string: the shim passes only the string. */
        public static Op of(String operation) {
            String o = operation == null ? "" : operation;
            if (o.startsWith("bpf4j_validate_object")) {
                return VALIDATE;
            }
            if (o.startsWith("bpf_object__open")) {
                return OPEN;
            }
            if (o.startsWith("bpf_object__load")) {
                return LOAD;
            }
            if (o.startsWith("bpf_map_create") || o.startsWith("bpf_map__reuse_fd")) {
                return MAP_CREATE;
            }
            if (o.startsWith("bpf_obj_pin")) {
                return PIN;
            }
            if (o.startsWith("bpf_obj_get(")) {
                return PIN_OPEN;
            }
            if (o.startsWith("unlink(")) {
                return UNPIN;
            }
            if (o.contains("_get_fd_by_id") || o.contains("_get_next_id")) {
                return BY_ID;
            }
            if (o.contains("_get_info_by_fd")) {
                return INFO;
            }
            if (o.startsWith("bpf_prog_test_run")) {
                return TEST_RUN;
            }
            if (o.startsWith("bpf_link_create") && o.contains(", xdp")) {
                return XDP_ATTACH;
            }
            if (o.startsWith("bpf_program__attach")) {
                return PROG_ATTACH;
            }
            if (o.startsWith("libbpf_probe_bpf_map_type")) {
                return PROBE_MAP;
            }
            if (o.startsWith("libbpf_probe_bpf_prog_type")) {
                return PROBE_PROG;
            }
            if (o.startsWith("mount(tracefs")) {
                return TRACEFS_MOUNT;
            }
            if (o.contains("trace_pipe") || o.contains("tracefs") || o.contains("/sys/kernel/tracing")) {
                return TRACE_PIPE;
            }
            if (o.startsWith("mmap")) {
                return MMAP;
            }
            if (o.startsWith("process_vm_")) {
                return ARENA_COPY;
            }
            if (o.startsWith("bpf_map_") || o.startsWith("push(") || o.startsWith("pop(") || o.startsWith("peek(")
                    || o.startsWith("contains(")) {
                return MAP_ELEM;
            }
            return OTHER;
        }
    }

    static boolean isPermission(int errno) {
        return errno == EPERM || errno == EACCES;
    }

    /** A test run's options, as TestRun holds them. */
    public static final class TestRunOptions {
        /** -1: any CPU. */
        public int cpu = -1;
        public boolean liveFrames;
        public boolean checksumComplete;
        public int batchSize;
    }

    /**
     * A failed {@code BPF_PROG_TEST_RUN}: what this program type's test run
     * takes, against what the run asked for. Sizes in bytes; 0 means unset.
     */
    public static BpfException testRunException(String operation, int errno, ProgramType type, int repeat,
            TestRunOptions o, int dataIn, int dataOut, int ctxIn, int ctxOut, long pageSize, String sizes) {
        String name = errnoName(errno);
        if (errno == ENOSPC) {
            return of(Op.TEST_RUN, operation, errno, sizes);
        }
        int cpu = o.cpu;
        int batchSize = o.batchSize;
        String t = type == null ? "UNKNOWN" : type.name();
        if (errno == EOPNOTSUPP || errno == ENOTSUPP) {
            return new BpfNotSupportedException(operation, errno, name, t + " programs have no test run on this kernel"
                    + (type == ProgramType.TRACING ? " (only fentry, fexit and fmod_ret tracing programs do)" : ""),
                    "attach the program and trigger it instead; BPF_PROG_TEST_RUN exists for packet programs, raw_tp,"
                            + " syscall, fentry/fexit, flow dissector, sk_lookup and netfilter");
        }
        boolean argsOnly = type == ProgramType.RAW_TRACEPOINT || type == ProgramType.RAW_TRACEPOINT_WRITABLE
                || type == ProgramType.SYSCALL || type == ProgramType.TRACING;
        if (argsOnly && (errno == EINVAL || errno == E2BIG)) {
            StringBuilder set = new StringBuilder();
            appendSet(set, repeat > 0, "repeat(" + repeat + ")");
            appendSet(set, dataIn > 0, "dataIn (" + dataIn + " bytes)");
            appendSet(set, dataOut > 0, "dataOut (" + dataOut + " bytes)");
            appendSet(set, ctxOut > 0, "ctxOut (" + ctxOut + " bytes)");
            appendSet(set, batchSize > 0, "batchSize(" + batchSize + ")");
            boolean rawTp = type == ProgramType.RAW_TRACEPOINT || type == ProgramType.RAW_TRACEPOINT_WRITABLE;
            appendSet(set, !rawTp && cpu >= 0, "runOnCpu(" + cpu + ")");
            appendSet(set, o.liveFrames, "xdpLiveFrames(true)");
            appendSet(set, o.checksumComplete, "skbChecksumComplete(true)");
            appendSet(set, type == ProgramType.TRACING && ctxIn > 0, "ctxIn (" + ctxIn + " bytes)");
            if (set.length() > 0) {
                return new BpfInvalidArgumentException(operation, errno, name, t + " programs run once per test run"
                        + " on their arguments only: they take no repeat, data in/out, ctx out or batch size"
                        + (type == ProgramType.SYSCALL || type == ProgramType.TRACING ? ", nor options" : ", and only"
                        + " runOnCpu as an option") + ", and this run set " + set,
                        "drop " + set + "; pass the program's arguments as ctxIn"
                                + (type == ProgramType.TRACING ? " (fentry/fexit take none)" : "")
                                + " and call testRun again to repeat it");
            }
            int max = type == ProgramType.SYSCALL ? 65535 : 12 * 8;
            return new BpfInvalidArgumentException(operation, errno, name, "ctx in is " + ctxIn + " bytes: a " + t
                    + " program's ctx in is its arguments, at least as many bytes as the program reads and at most "
                    + max, "size ctxIn to the arguments the program reads (u64 each for raw_tp)");
        }
        boolean skb = type == ProgramType.SOCKET_FILTER || type == ProgramType.SCHED_CLS
                || type == ProgramType.SCHED_ACT || type == ProgramType.CGROUP_SKB || type == ProgramType.LWT_IN
                || type == ProgramType.LWT_OUT || type == ProgramType.LWT_XMIT || type == ProgramType.LWT_SEG6LOCAL;
        boolean xdp = type == ProgramType.XDP;
        if ((skb || xdp || type == ProgramType.FLOW_DISSECTOR)
                && (errno == EINVAL || errno == ENOMEM || errno == E2BIG)) {
            // The kernel's linear area: one page less headroom (skb: NET_SKB_PAD + NET_IP_ALIGN, xdp: 256 + the
            // frame struct) and the skb_shared_info tailroom (320 bytes on 64-bit); XDP adds up to 17 page frags.
            long linear = pageSize - (xdp ? 256 + 64 : 64 + 2) - 320;
            long xdpMax = linear + 17 * pageSize;
            if (dataIn < 14) {
                return new BpfInvalidArgumentException(operation, errno, name, "data in is " + dataIn + " bytes, less"
                        + " than the Ethernet header (14 bytes) every " + t + " test run starts with",
                        "pass a whole frame as dataIn: Ethernet header, then the packet");
            }
            if (dataIn > (xdp ? xdpMax : linear)) {
                return new BpfInvalidArgumentException(operation, errno, name, "data in is " + dataIn + " bytes, more"
                        + " than a " + t + " test run takes: " + (xdp ? "about " + xdpMax + " (one page of linear"
                        + " data plus 17 page fragments" + (o.liveFrames ? "; live frames take one page only" : "")
                        + ")" : "about " + linear + " (one page less the kernel's headroom and tailroom)"),
                        "send a smaller packet; this is the test-run buffer limit, not map memory or RLIMIT_MEMLOCK");
            }
            if (xdp && batchSize > 0 && !o.liveFrames) {
                return new BpfInvalidArgumentException(operation, errno, name, "batchSize(" + batchSize + ") is only"
                        + " for live-frame runs", "drop batchSize, or set xdpLiveFrames(true)");
            }
            StringBuilder wrong = new StringBuilder();
            appendSet(wrong, cpu >= 0, "runOnCpu(" + cpu + ")");
            appendSet(wrong, o.liveFrames && !xdp, "xdpLiveFrames(true)");
            appendSet(wrong, o.checksumComplete && !skb, "skbChecksumComplete(true)");
            appendSet(wrong, batchSize > 0 && !xdp, "batchSize(" + batchSize + ")");
            if (wrong.length() > 0) {
                return new BpfInvalidArgumentException(operation, errno, name, t + " test runs take "
                        + (xdp ? "only xdpLiveFrames (with batchSize)" : skb ? "only skbChecksumComplete" : "no options")
                        + "; this run set " + wrong, "runOnCpu is for raw_tp programs, xdpLiveFrames for XDP,"
                                + " skbChecksumComplete for skb programs (tc, socket filter, cgroup skb, lwt)");
            }
            if (ctxIn > 0 || ctxOut > 0) {
                return new BpfInvalidArgumentException(operation, errno, name, "the kernel refused the context: ctx in "
                        + ctxIn + " bytes, ctx out " + ctxOut + " bytes", "ctx in must be a prefix of the type's"
                        + " context struct (" + (xdp ? "struct xdp_md" : "struct __sk_buff") + ") with only the"
                        + " fields the kernel lets a test set, the rest zero; or leave ctx out");
            }
        }
        return of(Op.TEST_RUN, operation, errno, null);
    }

    private static void appendSet(StringBuilder sb, boolean isSet, String what) {
        if (isSet) {
            sb.append(sb.length() == 0 ? "" : ", ").append(what);
        }
    }

    /**
     * A failed map call: the class and hint depend on the operation ({@link Op#MAP_CREATE},
     * {@link Op#MAP_UPDATE} or {@link Op#MAP_ELEM}) and on which kind of map it was.
     *
     * @param what the map as asked for or known, e.g. "HASH 'counts' (key 4, value 8, max_entries 16)"
     */
    public static BpfException mapException(Op kind, String operation, int errno, MapType type, String what) {
        String name = errnoName(errno);
        switch (errno) {
            case E2BIG:
                if (kind == Op.MAP_CREATE) {
                    return new BpfOutOfMemoryException(operation, errno, name, what
                            + " is beyond the kernel's size limits", "lower the key or value size or max_entries");
                }
                if (kind == Op.MAP_UPDATE && type != null && isArray(type)) {
                    return new BpfInvalidArgumentException(operation, errno, name, "the index is not below "
                            + "max_entries of " + what, "array keys are indexes from 0 to max_entries - 1");
                }
                if (kind == Op.MAP_UPDATE) {
                    return new BpfMapFullException(operation, errno, name, what + " is full",
                            "delete elements, create the map with a larger max_entries, or use an LRU map");
                }
                break;
            case ENOMEM:
                if (kind == Op.MAP_CREATE) {
                    return new BpfOutOfMemoryException(operation, errno, name, "the kernel could not allocate " + what,
                            "lower max_entries or the value size; on kernels before 5.11 raise RLIMIT_MEMLOCK");
                }
                return new BpfOutOfMemoryException(operation, errno, name, "out of memory updating " + what,
                        "maps created with BPF_F_NO_PREALLOC allocate on update; free memory or preallocate");
            case EINVAL:
                if (kind == Op.MAP_CREATE) {
                    return new BpfInvalidArgumentException(operation, errno, name, "the kernel rejected " + what,
                            "check the combination of type, sizes and flags against this kernel; the libbpf log"
                                    + " (logger io.github.bpf4j.libbpf at FINE) may say more");
                }
                return new BpfInvalidArgumentException(operation, errno, name, "the kernel rejected the call on " + what,
                        type == MapType.ARRAY || type == MapType.PERCPU_ARRAY
                                ? "array elements cannot be deleted; flags must suit the map type"
                                : "check the flags and that this map type supports the operation");
            case EEXIST:
                return new BpfKeyExistsException(operation, errno, name, "the key is already in " + what,
                        "update with UpdateMode.ANY or UpdateMode.EXIST to replace it");
            case EOPNOTSUPP:
            case ENOTSUPP:
                return new BpfNotSupportedException(operation, errno, name, (type == null ? "the map" : type.name())
                        + " does not support this operation" + (kind == Op.MAP_CREATE ? " or flags on this kernel" : ""),
                        "see which operations each map type supports in the kernel's BPF map documentation;"
                                + " 'java -jar bpf4j.jar version' lists the map types this kernel has");
            default:
                break;
        }
        Op op = kind;
        return classify(op, operation, errno, name, describe(errno) + " (" + what + ")", hint(op, errno), null);
    }

    private static boolean isArray(MapType t) {
        return t == MapType.ARRAY || t == MapType.PERCPU_ARRAY || t == MapType.PROG_ARRAY
                || t == MapType.ARRAY_OF_MAPS || t == MapType.PERF_EVENT_ARRAY || t == MapType.CGROUP_ARRAY
                || t == MapType.DEVMAP || t == MapType.CPUMAP || t == MapType.XSKMAP;
    }

    /** The exception class: by errno, refined by the kind of call. */
    static BpfException classify(Op op, String operation, int errno, String name, String message,
            String hint, String detail) {
        switch (errno) {
            case EPERM:
            case EACCES:
                return new BpfPermissionException(operation, errno, name, message,
                        permissionHint(op, operation, detail));
            case EINVAL:
                return new BpfInvalidArgumentException(operation, errno, name, message, hint);
            case EBADF:
                // An fd the caller handed in: a bad argument. Elsewhere a closed fd is bpf4j's own bug.
                return op == Op.FD_DUP ? new BpfInvalidArgumentException(operation, errno, name, message, hint)
                        : new BpfException(operation, errno, name, message, hint);
            case EISDIR:
            case ENOTDIR:
                return new BpfInvalidArgumentException(operation, errno, name, message, hint);
            case EOPNOTSUPP:
            case ENOTSUPP:
                return new BpfNotSupportedException(operation, errno, name, message, hint);
            case ENOMEM:
                return new BpfOutOfMemoryException(operation, errno, name, message, hint);
            case EMFILE:
            case ENFILE:
                return new BpfException(operation, errno, name, message, fdLimitHint(errno));
            default:
                return new BpfException(operation, errno, name, message, hint);
        }
    }

    /**
     * Read now: when EMFILE strikes, opening /proc/self/limits (or a class
     * file from a directory) fails too, so what the hint and its enum need is
     * had up front.
     */
    private static final String FD_LIMIT_AT_START = fdLimit();
    private static final Op[] OPS = Op.values();

    private static String fdLimit() {
        try (BufferedReader r = Files.newBufferedReader(Paths.get("/proc/self/limits"), StandardCharsets.US_ASCII)) {
            for (String line; (line = r.readLine()) != null;) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring(14).trim().split("\\s+");
                    return f.length > 0 ? f[0] : null;
                }
            }
        } catch (IOException e) {
            // no /proc: say it without the number
        }
        return null;
    }

    /** EMFILE/ENFILE: fds, not memory or the kernel's BPF limits, ran out. */
    static String fdLimitHint(int errno) {
        String limit = fdLimit();
        if (limit == null) {
            limit = FD_LIMIT_AT_START;
        }
        if (limit == null) {
            limit = null;
        }
        int open = -1;
        String[] fds = new java.io.File("/proc/self/fd").list();
        if (fds != null) {
            open = fds.length;
        }
        String state = (open >= 0 ? open + " fds open" : "")
                + (limit != null ? (open >= 0 ? ", " : "") + "limit " + limit + " (ulimit -n)" : "");
        if (errno == ENFILE) {
            return "the whole system ran out of file descriptors (fs.file-max)" + (state.isEmpty() ? "" : "; this"
                    + " process has " + state) + ": close BpfObjects and maps you no longer use";
        }
        return "this process ran out of file descriptors" + (state.isEmpty() ? "" : " (" + state + ")")
                + ": every BpfObject, map, program and link holds fds until close(); close them"
                + " (try-with-resources) instead of leaving them to the garbage collector, or raise ulimit -n";
    }

    static String describe(int errno) {
        if (errno >= 4000 && errno < 4100) {
            try {
                return Native.strerror(errno);
            } catch (UnsatisfiedLinkError e) {
                return "libbpf error";
            }
        }
        switch (errno) {
            case EPERM: return "operation not permitted";
            case ENOENT: return "no such file, element or object";
            case E2BIG: return "argument too big";
            case EBADF: return "bad file descriptor";
            case EAGAIN: return "resource temporarily unavailable";
            case ENOMEM: return "out of memory";
            case EACCES: return "permission denied";
            case EFAULT: return "bad address";
            case EBUSY: return "resource busy";
            case EEXIST: return "already exists";
            case ENODEV: return "no such device";
            case EINVAL: return "invalid argument";
            case ENFILE: return "too many open files in the system";
            case EMFILE: return "too many open files in this process";
            case ENOSPC: return "no space left (output buffer too small)";
            case ENOSYS: return "the bpf() system call is not available";
            case EOPNOTSUPP: case ENOTSUPP: return "operation not supported";
            default: return errnoName(errno).startsWith("errno ") ? "error " + errno : errnoName(errno);
        }
    }

    static final int ERANGE = 34;
    static final int ESTALE = 116;

    private static final String ARENA_MAPPED_HINT = "use the BpfArena of the handle that mapped it (map.arena() in the"
            + " loading process); to share an arena between processes, create it with MapSpec.mapExtra(address) so"
            + " every process maps it at that address";

    static String hint(Op op, int errno) {
        String network = AttachErrors.networkHint(op, errno);
        if (network != null) {
            return network;
        }
        if (op == Op.PERF_BUFFER && (errno == ENODEV || errno == ENXIO)) {
            return "that CPU is offline or does not exist: pass online CPUs to PerfBufferOptions.cpus";
        }
        switch (errno) {
            case ENOENT:
                if (op == Op.BY_ID) {
                    return "no object has that id now: ids are never reused, so it was freed (every fd and pin of it"
                            + " closed); list live ones with bpftool map list / bpftool prog list";
                }
                if (op == Op.PIN_OPEN || op == Op.UNPIN) {
                    return "nothing is pinned at that path; list pins with ls on the BPF filesystem";
                }
                if (op == Op.TRACE_PIPE) {
                    return "use a kernel with CONFIG_FTRACE (and CONFIG_BPF_EVENTS for bpf_printk)";
                }
                return "check the name, path or key; for a pinned object, that it is pinned in a BPF filesystem";
            case E2BIG:
                if (op == Op.TEST_RUN) {
                    return "an input is larger than the kernel takes for this program type";
                }
                return "lower max_entries or the key/value size; for updates, the map may be full";
            case ENOMEM:
                if (op == Op.TEST_RUN) {
                    return "the kernel could not allocate the run's buffers: make data in / ctx in smaller";
                }
                if (op == Op.MMAP) {
                    return "the address space or memory for the mapping ran out";
                }
                if (op == Op.PERF_BUFFER) {
                    return "the kernel could not allocate the perf ring: choose fewer pagesPerCpu";
                }
                return "lower max_entries or the value size; on kernels before 5.11 raise RLIMIT_MEMLOCK";
            case EINVAL:
                switch (op) {
                    case TEST_RUN:
                        return "the kernel refused the run's arguments for this program type: check data/ctx sizes,"
                                + " repeat and flags against what this type's test run takes";
                    case XDP_ATTACH:
                        return "the device or mode refused the program: try XdpOptions.mode(XdpMode.SKB) (generic"
                                + " XDP, which every device has)";
                    case PROG_ATTACH:
                        return "the kernel refused to attach the program to its section's target: check that the"
                                + " section's kind fits the program (libbpf takes the type from it) and that the target"
                                + " takes BPF programs on this kernel (see the libbpf log on logger io.github.bpf4j.libbpf)";
                    case LINK_UPDATE:
                        return "this link cannot run that program: perf event (tracepoint, kprobe, uprobe) and"
                                + " tracing links cannot be updated at all, and the new program must have the old"
                                + " one's type and expected attach type";
                    case ITER:
                        return "the iterator refused its parameter: a map iterator (iter/bpf_map_elem) needs"
                                + " Iter.map, a cgroup iterator a cgroup, a task iterator at most one of tid/pid/pidfd";
                    case STRUCT_OPS:
                        return "the kernel refused the struct_ops: check the callbacks it requires (see the libbpf"
                                + " log on logger io.github.bpf4j.libbpf)";
                    case MMAP:
                        return "the kernel refused this mapping (offset, size or address)";
                    case ARENA_MMAP:
                        return ARENA_MAPPED_HINT;
                    case PERF_BUFFER:
                        return "the kernel refused the BPF output event or its ring: it needs Linux 4.4+"
                                + " (PERF_COUNT_SW_BPF_OUTPUT), and pagesPerCpu a power of 2";
                    case TCX_ATTACH:
                    case NETKIT_ATTACH:
                    case TC_ATTACH:
                    case SOCKMAP_ATTACH:
                    case NETNS_ATTACH:
                    case NETFILTER_ATTACH:
                    case CGROUP_ATTACH:
                        return "the kernel refused this attach: check that this kernel has the hook (the README's"
                                + " attach table gives the minimum kernel: tcx 6.6, netfilter 6.4, sockmap links 6.10)"
                                + " and that the program's type and expected attach type fit it";
                    default:
                        return "the kernel rejected an argument: check map type, sizes and flags against this kernel"
                                + " (see the libbpf log on logger io.github.bpf4j.libbpf at FINE)";
                }
            case EBUSY:
                if (op == Op.ARENA_MMAP) {
                    return ARENA_MAPPED_HINT;
                }
                if (op == Op.XDP_ATTACH) {
                    return "another XDP program is already attached to this interface in this mode: close the BpfLink"
                            + " holding it (or, if a tool attached it, ip link set dev <if> xdp off), then attach again;"
                            + " an attached link cannot be replaced by another attach";
                }
                if (op == Op.TRACE_PIPE) {
                    return "the trace pipe has one reader at a time, system-wide; another process (or TracePipe) holds it";
                }
                return "";
            case ENOSPC:
                if (op == Op.TEST_RUN) {
                    return "offer larger data out / ctx out buffers: the sizes the program produced are in the TestRun";
                }
                return "give a larger output buffer";
            case EFAULT:
                if (op == Op.ARENA_COPY) {
                    return "only pages the program allocated (and has not freed) can be read or written";
                }
                return "";
            case EOPNOTSUPP: case ENOTSUPP:
                if (op == Op.LINK_DETACH) {
                    return "this link type has no BPF_LINK_DETACH (perf event, tracepoint and tracing links):"
                            + " close the link instead";
                }
                if (op == Op.LINK_UPDATE) {
                    return "this link type cannot be updated: close it and attach the new program";
                }
                if (op == Op.TEST_RUN) {
                    return "this program type has no BPF_PROG_TEST_RUN on this kernel; attach it and trigger it instead";
                }
                return "this kernel does not support the feature; check the kernel version and config";
            case ENOSYS: return "the kernel lacks CONFIG_BPF_SYSCALL, or a seccomp filter blocks bpf()";
            case EBADF:
                if (op == Op.FD_DUP) {
                    return "pass an fd this process holds open; an fd() is valid only until its handle is closed, so"
                            + " keep the handle, or reopen the object by id or pin";
                }
                return "the object was closed or never loaded";
            case EEXIST:
                if (op == Op.STRUCT_OPS) {
                    return "a struct_ops of that name is registered already (e.g. a TCP congestion control: names"
                            + " are system-wide); give it another name";
                }
                if (op == Op.ARENA_MMAP) {
                    return "use the BpfArena of the handle that mapped it; an arena can be mapped once per process";
                }
                return "use an update mode that allows replacing, or delete first";
            default: return "";
        }
    }

    // Capability bits (linux/capability.h).
    static final int CAP_DAC_OVERRIDE = 1;
    static final int CAP_DAC_READ_SEARCH = 2;
    static final int CAP_NET_ADMIN = 12;
    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_PERFMON = 38;
    static final int CAP_BPF = 39;

    /** Program types whose loading needs CAP_PERFMON (tracing), by ProgramType name. */
    private static final java.util.Set<String> TRACING_TYPES = new java.util.HashSet<String>(java.util.Arrays.asList(
            "KPROBE", "TRACEPOINT", "PERF_EVENT", "RAW_TRACEPOINT", "RAW_TRACEPOINT_WRITABLE", "TRACING", "LSM",
            "EXT", "STRUCT_OPS"));
    /** Program types whose loading needs CAP_NET_ADMIN (kernel: is_net_admin_prog_type). */
    private static final java.util.Set<String> NET_ADMIN_TYPES = new java.util.HashSet<String>(java.util.Arrays.asList(
            "SCHED_CLS", "SCHED_ACT", "XDP", "LWT_IN", "LWT_OUT", "LWT_XMIT", "LWT_SEG6LOCAL", "SK_SKB", "SK_MSG",
            "FLOW_DISSECTOR", "CGROUP_DEVICE", "CGROUP_SOCK", "CGROUP_SOCK_ADDR", "CGROUP_SOCKOPT", "CGROUP_SYSCTL",
            "SOCK_OPS", "EXT", "NETFILTER"));

    /**
     * The permission hint for {@code operation}: which capability this kind of
     * call needs, which of those this process lacks, and, when it lacks none,
     * what else refuses it.
     */
    static String permissionHint(Op op, String operation, String detail) {
        long caps = effectiveCapabilities();
        StringBuilder hint = new StringBuilder();
        switch (op) {
            case BY_ID:
                hint.append(needs(caps, "opening a BPF object by id", CAP_SYS_ADMIN, -1,
                        "open it through a pin (Pins.openMap) or an fd passed over a socket (fromFd) instead",
                        "a BPF LSM or a seccomp filter refuses it"));
                break;
            case MAP_CREATE:
            case PROBE_MAP:
                hint.append(needs(caps, "creating a map", CAP_BPF, -1,
                        "run as root, or grant CAP_BPF (e.g. setcap cap_bpf+ep on the java binary)",
                        "a BPF LSM, a seccomp filter or a BPF token's limits refuse it"));
                break;
            case PROBE_PROG:
                hint.append(programTypeNeeds(caps, between(operation, "(", ")")));
                break;
            case LOAD: {
                String program = refusedProgram(detail);
                // libbpf names the refused program, not its type: the loading object supplies the type.
                Map<String, String> types = LOADING.get();
                String type = program == null || types == null ? null : types.get(program);
                if (program != null) {
                    hint.append("program '").append(program).append(REFUSED);
                }
                hint.append(type != null ? programTypeNeeds(caps, type) : loadHint(caps));
                break;
            }
            case XDP_ATTACH:
                hint.append(needs(caps, "attaching XDP", CAP_NET_ADMIN, -1,
                        "run as root, or grant CAP_NET_ADMIN (in this network namespace's user namespace)",
                        "a BPF LSM refuses it"));
                break;
            case KPROBE_ATTACH:
            case KPROBE_MULTI_ATTACH:
            case UPROBE_ATTACH:
            case USDT_ATTACH:
            case TRACEPOINT_ATTACH:
            case RAW_TP_ATTACH:
            case BTF_TRACE_ATTACH:
            case PERF_EVENT_ATTACH:
                hint.append(needs(caps, "attaching a tracing program", CAP_PERFMON, CAP_BPF,
                        "run as root, or grant CAP_PERFMON and CAP_BPF",
                        "a BPF LSM, a seccomp filter or kernel.perf_event_paranoid refuses it"));
                if (op == Op.PERF_EVENT_ATTACH || op == Op.UPROBE_ATTACH || op == Op.USDT_ATTACH) {
                    hint.append("; kernel.perf_event_paranoid=")
                            .append(readFirstLine("/proc/sys/kernel/perf_event_paranoid"));
                }
                break;
            case PROG_ATTACH:
                hint.append(needs(caps, "attaching a tracing program (tracepoint, raw tracepoint, fentry, uprobe)",
                        CAP_PERFMON, CAP_BPF, "run as root, or grant CAP_PERFMON and CAP_BPF",
                        "a BPF LSM, a seccomp filter or kernel.perf_event_paranoid refuses it"));
                break;
            case TRACE_PIPE:
                // tracefs is mode 0700 root and trace_pipe 0440 root: file modes, which CAP_BPF, CAP_PERFMON
                // and CAP_SYS_ADMIN do not override.
                hint.append("tracefs (/sys/kernel/tracing, mode 0700) and its trace_pipe (0440) belong to root, and"
                        + " file modes are not what BPF capabilities override (not even CAP_SYS_ADMIN): read it as"
                        + " root, or with CAP_DAC_READ_SEARCH (or CAP_DAC_OVERRIDE)");
                if (caps >= 0) {
                    hint.append(has(caps, CAP_DAC_OVERRIDE) || has(caps, CAP_DAC_READ_SEARCH)
                            ? "; this process has it, so a security module or the mount's options refuse it"
                            : "; this process lacks both");
                }
                break;
            case ENABLE_STATS:
                hint.append(needs(caps, "turning on BPF run-time statistics", CAP_SYS_ADMIN, -1,
                        "run as root, or grant CAP_SYS_ADMIN", "a BPF LSM or a seccomp filter refuses it"));
                break;
            case LINK_UPDATE:
            case LINK_DETACH:
                hint.append(needs(caps, "changing a link", CAP_BPF, -1,
                        "run as root, or grant CAP_BPF (and the capability of the link's hook, e.g. CAP_NET_ADMIN)",
                        "a BPF LSM refuses it"));
                break;
            case ITER:
                hint.append(needs(caps, "attaching an iterator", CAP_BPF, CAP_PERFMON,
                        "run as root, or grant CAP_BPF and CAP_PERFMON", "a BPF LSM refuses it"));
                break;
            case STRUCT_OPS:
                hint.append(needs(caps, "registering a struct_ops", CAP_BPF, CAP_SYS_ADMIN,
                        "run as root, or grant CAP_BPF and CAP_SYS_ADMIN", "a BPF LSM refuses it"));
                break;
            case TRACEFS_MOUNT:
                hint.append(needs(caps, "mounting tracefs", CAP_SYS_ADMIN, -1,
                        "mount it as root: mount -t tracefs nodev /sys/kernel/tracing",
                        "the mount point or a security module refuses it"));
                break;
            case UNPIN:
                hint.append("removing a pin deletes a file of the BPF filesystem: this process needs write and search"
                        + " permission on the pin's directory (check its owner and mode); no BPF capability helps");
                break;
            case FD_DUP:
            case INFO:
            case ARENA_COPY:
                hint.append("the kernel refused this process the call on an object it holds (a BPF LSM or a"
                        + " seccomp filter)");
                break;
            case PIN:
                hint.append("pinning creates a file in the BPF filesystem: this process needs write and search"
                        + " permission on the pin's directory (check its owner and mode)");
                break;
            case PIN_OPEN:
                hint.append("opening a pin needs read permission on the pin file itself (and write for read-write"
                        + " access): check its owner and mode with ls -l, chmod/chown it or open it as its owner");
                break;
            case MAP_ELEM:
            case MAP_UPDATE:
                hint.append("user space may not do this to this map: it is frozen (like .rodata after load), created"
                        + " with BPF_F_RDONLY/BPF_F_WRONLY, or opened read-only; no capability changes that");
                break;
            case MMAP:
                hint.append("the map refuses this mapping: a frozen map (like .rodata after load) or one created with"
                        + " BPF_F_RDONLY maps read-only only, and no capability changes that");
                break;
            case PERF_BUFFER:
                if (operation != null && operation.startsWith("mmap")) {
                    // perf_mmap: pages beyond kernel.perf_event_mlock_kb per user fail with EPERM unless CAP_IPC_LOCK.
                    hint.append("the perf ring is larger than this user may lock (kernel.perf_event_mlock_kb="
                            + readFirstLine("/proc/sys/kernel/perf_event_mlock_kb") + ", counted over all of the"
                            + " user's perf rings): choose fewer pagesPerCpu, raise the sysctl, or grant CAP_IPC_LOCK");
                    break;
                }
                hint.append(needs(caps, "a system-wide perf event (pid -1, one per CPU)", CAP_PERFMON, -1,
                        "run as root, grant CAP_PERFMON (Linux 5.8+; CAP_SYS_ADMIN before), or lower"
                                + " kernel.perf_event_paranoid to 0 or less",
                        "a security module (e.g. SELinux perf_event class) or a seccomp filter refuses it"));
                // Above 0, the sysctl refuses CPU-wide events to a process without CAP_PERFMON.
                hint.append("; kernel.perf_event_paranoid=").append(readFirstLine("/proc/sys/kernel/perf_event_paranoid"));
                break;
            case TCX_ATTACH:
            case TC_ATTACH:
            case NETKIT_ATTACH:
            case SOCKMAP_ATTACH:
            case NETNS_ATTACH:
            case NETFILTER_ATTACH:
                hint.append(needs(caps, "attaching to a network hook", CAP_NET_ADMIN, -1,
                        "run as root, or grant CAP_NET_ADMIN (in the user namespace that owns the network namespace)",
                        "a BPF LSM or a seccomp filter refuses it"));
                break;
            case TEST_RUN:
                hint.append("a test run needs no capability beyond the program's fd, so this program type's test run"
                        + " refused the request itself (or a BPF LSM did)");
                break;
            default:
                hint.append(needs(caps, "this call", CAP_BPF, -1, "run as root, or grant CAP_BPF (plus"
                        + " CAP_PERFMON for tracing, CAP_NET_ADMIN for networking)",
                        "the object itself, a BPF LSM or a seccomp filter refuses it"));
                break;
        }
        String unprivileged = readFirstLine("/proc/sys/kernel/unprivileged_bpf_disabled");
        // The sysctl only restricts processes without CAP_BPF.
        if (unprivileged != null && !unprivileged.equals("0") && !capable(caps, CAP_BPF) && op != Op.TRACE_PIPE && op != Op.PIN_OPEN
                && op != Op.PIN && op != Op.MAP_ELEM && op != Op.MAP_UPDATE && op != Op.BY_ID && op != Op.XDP_ATTACH && op != Op.MMAP
                && op != Op.TEST_RUN && op != Op.TRACEFS_MOUNT && op != Op.UNPIN && op != Op.FD_DUP && op != Op.INFO
                && op != Op.ARENA_COPY && op != Op.PERF_BUFFER) {
            hint.append("; kernel.unprivileged_bpf_disabled=").append(unprivileged);
        }
        return hint.toString();
    }

    /** The capabilities a verifier verdict names, and which of them this process lacks. */
    private static String verifierPrivilegeHint(String verdict) {
        long caps = effectiveCapabilities();
        StringBuilder named = new StringBuilder();
        StringBuilder lacks = new StringBuilder();
        for (int cap : new int[] {CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN}) {
            String capName = capName(cap);
            int at = verdict.indexOf(capName);
            // A whole name only: the verdict is the kernel's text, not a list.
            if (at < 0 || (at + capName.length() < verdict.length()
                    && Character.isLetterOrDigit(verdict.charAt(at + capName.length())))) {
                continue;
            }
            named.append(named.length() == 0 ? "" : " and ").append(capName);
            if (caps >= 0 && !capable(caps, cap)) {
                lacks.append(lacks.length() == 0 ? "" : " and ").append(capName);
            }
        }
        String grant = "grant " + named + " (e.g. --cap-add for each in a container, or setcap on the java binary),"
                + " or run as root";
        if (caps < 0) {
            return "the program uses a feature the verifier allows only with " + named + ": " + grant;
        }
        if (lacks.length() == 0) {
            return "this process has " + named + ", so they were not effective where the program was verified"
                    + " (a BPF token's limits, or capabilities outside the initial user namespace)";
        }
        return "the program uses a feature the verifier allows only with " + named + ", and this process lacks "
                + lacks + ": " + grant;
    }

    /** What loading a program of {@code type} (a ProgramType name) needs, and what this process lacks. */
    private static String programTypeNeeds(long caps, String type) {
        int second = TRACING_TYPES.contains(type) ? CAP_PERFMON : NET_ADMIN_TYPES.contains(type) ? CAP_NET_ADMIN : -1;
        return needs(caps, "loading " + type + " programs", CAP_BPF, second,
                "run as root, or grant CAP_BPF" + (second == CAP_PERFMON ? " and CAP_PERFMON"
                        : second == CAP_NET_ADMIN ? " and CAP_NET_ADMIN" : ""),
                "a BPF LSM or a seccomp filter refuses it");
    }

    private static final String REFUSED = "' was refused: ";

    /** Program name to ProgramType name of the object this thread is loading, for a refused load's hint. */
    private static final ThreadLocal<Map<String, String>> LOADING = new ThreadLocal<Map<String, String>>();

    /**
     * Makes the program types of the object this thread is about to load
     * known to the errors the load raises, until {@link #loaded}: a permission
     * hint then names what the refused program's type needs (CAP_NET_ADMIN
     * for XDP, CAP_PERFMON for a kprobe), not every kind's.
     */
    public static void loading(Map<String, String> programTypes) {
        LOADING.set(programTypes);
    }

    public static void loaded() {
        LOADING.remove();
    }

    /** libbpf: "prog 'name': failed to load: -EPERM". */
    private static String refusedProgram(String detail) {
        if (detail == null) {
            return null;
        }
        int end = detail.indexOf("': failed to load");
        int start = end < 0 ? -1 : detail.lastIndexOf("prog '", end);
        return start < 0 ? null : detail.substring(start + 6, end);
    }

    /** Loading an object: CAP_BPF always, CAP_PERFMON for tracing programs, CAP_NET_ADMIN for networking ones. */
    private static String loadHint(long caps) {
        if (caps < 0) {
            return "loading needs CAP_BPF, plus CAP_PERFMON for tracing programs (kprobe, tracepoint, raw_tp,"
                    + " fentry...) and CAP_NET_ADMIN for networking ones (xdp, tc, cgroup...)";
        }
        boolean perfmon = capable(caps, CAP_PERFMON);
        boolean netAdmin = has(caps, CAP_NET_ADMIN) || has(caps, CAP_SYS_ADMIN);
        String tracing = "tracing programs (kprobe, tracepoint, raw_tp, fentry, perf_event)";
        String networking = "networking programs (xdp, tc, cgroup, sk_*)";
        if (!capable(caps, CAP_BPF)) {
            // The kernel asks for CAP_BPF first; what the programs' types add is only what they may need next.
            return "this process lacks CAP_BPF, which every map and program needs"
                    + (perfmon ? "" : "; " + tracing + " also need CAP_PERFMON")
                    + (netAdmin ? "" : "; " + networking + " also need CAP_NET_ADMIN")
                    + ": grant CAP_BPF and what the object's programs need, or run as root";
        }
        if (perfmon && netAdmin) {
            return "the process has CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN, so something else refuses the load"
                    + " (a BPF LSM, a seccomp filter, or a BPF token's limits)";
        }
        return "this process lacks " + (perfmon ? "" : "CAP_PERFMON (needed for " + tracing + ")")
                + (perfmon || netAdmin ? "" : " and ") + (netAdmin ? "" : "CAP_NET_ADMIN (needed for " + networking + ")")
                + ": grant what the object's programs need, or run as root";
    }

    /**
     * "doing X needs CAP_A [and CAP_B]; this process lacks ..." or, with
     * everything present, what else can refuse.
     */
    static String needs(long caps, String what, int first, int second, String grant,
            String otherwise) {
        StringBuilder need = new StringBuilder(capName(first));
        if (second >= 0) {
            need.append(" and ").append(capName(second));
        }
        if (caps < 0) {
            return what + " needs " + need + ": " + grant;
        }
        StringBuilder lacks = new StringBuilder();
        for (int cap : new int[] {first, second}) {
            if (cap >= 0 && !capable(caps, cap)) {
                lacks.append(lacks.length() == 0 ? "" : " and ").append(capName(cap));
            }
        }
        if (lacks.length() > 0) {
            return what + " needs " + need + " and this process lacks " + lacks + ": " + grant;
        }
        return what + " needs " + need + ", which this process has, so " + otherwise;
    }

    /** CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON (older kernels, and the kernel's own checks). */
    private static boolean capable(long caps, int cap) {
        if (has(caps, cap)) {
            return true;
        }
        return (cap == CAP_BPF || cap == CAP_PERFMON) && has(caps, CAP_SYS_ADMIN);
    }

    static boolean has(long caps, int cap) {
        return caps >= 0 && (caps & (1L << cap)) != 0;
    }

    private static String capName(int cap) {
        switch (cap) {
            case CAP_DAC_OVERRIDE: return "CAP_DAC_OVERRIDE";
            case CAP_DAC_READ_SEARCH: return "CAP_DAC_READ_SEARCH";
            case CAP_NET_ADMIN: return "CAP_NET_ADMIN";
            case CAP_SYS_ADMIN: return "CAP_SYS_ADMIN";
            case CAP_PERFMON: return "CAP_PERFMON";
            case CAP_BPF: return "CAP_BPF";
            default: return "capability " + cap;
        }
    }

    static String between(String s, String open, String close) {
        int a = s.indexOf(open);
        int from = a + open.length();
        int b = a < 0 ? -1 : s.indexOf(close, from);
        return a < 0 || b < 0 ? "" : s.substring(from, b);
    }

    /** The BPF-related capabilities this process has, for reports. */
    public static String permissionSummary() {
        long caps = effectiveCapabilities();
        if (caps < 0) {
            return "capabilities unknown";
        }
        StringBuilder have = new StringBuilder();
        String[] names = {"CAP_SYS_ADMIN", "CAP_BPF", "CAP_PERFMON", "CAP_NET_ADMIN"};
        int[] bits = {21, 39, 38, 12};
        for (int i = 0; i < names.length; i++) {
            if ((caps & (1L << bits[i])) != 0) {
                have.append(have.length() == 0 ? "" : ", ").append(names[i]);
            }
        }
        return have.length() == 0 ? "no BPF capabilities" : "has " + have;
    }

    static long effectiveCapabilities() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                Files.newInputStream(Paths.get("/proc/self/status")), StandardCharsets.US_ASCII))) {
            for (String line; (line = r.readLine()) != null;) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown: say nothing specific
        }
        return -1;
    }

    static String readFirstLine(String path) {
        try (BufferedReader r = Files.newBufferedReader(Paths.get(path), StandardCharsets.US_ASCII)) {
            String line = r.readLine();
            return line == null ? null : line.trim();
        } catch (IOException e) {
            return null;
        }
    }

    static String extractVerifierLog(String detail) {
        if (detail == null) {
            return null;
        }
        int begin = detail.indexOf(LOG_BEGIN);
        if (begin < 0) {
            return null;
        }
        int start = detail.indexOf('\n', begin);
        int end = detail.indexOf(LOG_END, begin);
        if (start < 0) {
            return "";
        }
        return detail.substring(start + 1, end < 0 ? detail.length() : end);
    }

    /** libbpf prints "libbpf: prog 'name': -- BEGIN PROG LOAD LOG --". */
    private static String programName(String detail) {
        int begin = detail.indexOf(LOG_BEGIN);
        int quote = detail.lastIndexOf("prog '", begin);
        if (quote < 0) {
            return null;
        }
        int end = detail.indexOf('\'', quote + 6);
        return end < 0 || end > begin ? null : detail.substring(quote + 6, end);
    }

    /** The verifier's reason is the last line before its statistics. */
    private static String verdict(String log) {
        String[] lines = log.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].trim();
            if (line.isEmpty() || line.startsWith("processed ") || line.startsWith("verification time")
                    || line.startsWith("stack depth")) {
                continue;
            }
            return line;
        }
        return "(empty verifier log)";
    }

    /** The last couple of libbpf warnings, folded onto one line. */
    private static String lastWarnings(String detail) {
        if (detail == null || detail.trim().isEmpty()) {
            return "";
        }
        String[] lines = detail.trim().split("\n");
        StringBuilder sb = new StringBuilder();
        for (int i = Math.max(0, lines.length - 2); i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.startsWith("libbpf: ")) {
                line = line.substring(8);
            }
            sb.append(sb.length() == 0 ? "" : " / ").append(line);
        }
        return sb.toString();
    }
}
