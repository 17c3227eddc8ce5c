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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;

/** The one mapping from errno to exception, message and hint. */
public final class Errors {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
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
    }

    private static final String LOG_BEGIN = "-- BEGIN PROG LOAD LOG --";
    /** What libbpf 1.x prints for a 'struct bpf_map_def SEC("maps")' object. */
    private static final String LEGACY_MAPS = "legacy map definitions";
    private static final String LOG_END = "-- END PROG LOAD LOG --";

    private Errors() {}

    public static String errnoName(int errno) {
        String name = errno > 0 && errno < NAMES.length ? NAMES[errno] : OTHER_NAMES.get(errno);
        return name != null ? name : "errno " + errno;
    }

    /** Throws the exception for {@code ret} if it is negative; returns it otherwise. */
    public static int check(String operation, int ret) {
        if (ret < 0) {
            throw exception(operation, -ret, null);
        }
        return ret;
    }

    /** Called by the C shim (errors.c) for calls that throw from native code. */
    static RuntimeException fromNative(String operation, int errno, String detail) {
        return exception(operation, errno, detail);
    }

    /**
     * @param detail what libbpf printed while the call ran (may hold a verifier log), or null
     */
    public static BpfException exception(String operation, int errno, String detail) {
        String name = errnoName(errno);
        String message = describe(errno);
        String verifierLog = extractVerifierLog(detail);
        if (verifierLog != null) {
            String program = programName(detail);
            return new BpfVerifierException(operation, errno, name,
                    "the verifier rejected " + (program != null ? "program '" + program + "'" : "a program")
                            + ": " + verdict(verifierLog),
                    "read verifierLog() (the whole verifier log) from the last instruction upwards", verifierLog);
        }
        if (detail != null && detail.contains(LEGACY_MAPS)) {
            return new BpfNotSupportedException(operation, errno, name, "the object declares maps with the legacy"
                    + " 'struct bpf_map_def SEC(\"maps\")' syntax, which libbpf 1.x no longer supports",
                    "declare maps in the BTF-defined form: struct { __uint(type, BPF_MAP_TYPE_HASH);"
                            + " __uint(max_entries, 100); __type(key, int); __type(value, int); } my_map SEC(\".maps\");");
        }
        String libbpfSaid = lastWarnings(detail);
        if (!libbpfSaid.isEmpty()) {
            message = message + "; libbpf: " + libbpfSaid;
        }
        return classify(operation, errno, name, message, hint(errno));
    }

    /** Map calls: the hint depends on what was being done to which kind of map. */
    public static final int MAP_CREATE = 1;
    public static final int MAP_UPDATE = 2;
    public static final int MAP_OTHER = 3;

    /**
     * @param what the map as asked for or known, e.g. "HASH 'counts' (key 4, value 8, max_entries 16)"
     */
    public static BpfException mapException(String operation, int errno, int kind, MapType type, String what) {
        String name = errnoName(errno);
        switch (errno) {
            case E2BIG:
                if (kind == MAP_CREATE) {
                    return new BpfOutOfMemoryException(operation, errno, name, what
                            + " is beyond the kernel's size limits", "lower the key or value size or max_entries");
                }
                if (kind == MAP_UPDATE && type != null && isArray(type)) {
                    return new BpfInvalidArgumentException(operation, errno, name, "the index is not below "
                            + "max_entries of " + what, "array keys are indexes from 0 to max_entries - 1");
                }
                if (kind == MAP_UPDATE) {
                    return new BpfMapFullException(operation, errno, name, what + " is full",
                            "delete elements, create the map with a larger max_entries, or use an LRU map");
                }
                break;
            case ENOMEM:
                if (kind == MAP_CREATE) {
                    return new BpfOutOfMemoryException(operation, errno, name, "the kernel could not allocate " + what,
                            "lower max_entries or the value size; on kernels before 5.11 raise RLIMIT_MEMLOCK");
                }
                return new BpfOutOfMemoryException(operation, errno, name, "out of memory updating " + what,
                        "maps created with BPF_F_NO_PREALLOC allocate on update; free memory or preallocate");
            case EINVAL:
                if (kind == MAP_CREATE) {
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
                        "use UPDATE_ANY or UPDATE_EXIST to replace it");
            case EOPNOTSUPP:
            case ENOTSUPP:
                return new BpfNotSupportedException(operation, errno, name, (type == null ? "the map" : type.name())
                        + " does not support this operation" + (kind == MAP_CREATE ? " or flags on this kernel" : ""),
                        "see which operations each map type supports in the kernel's BPF map documentation;"
                                + " 'java -jar bpf4j.jar version' lists the map types this kernel has");
            default:
                break;
        }
        return classify(operation, errno, name, describe(errno) + " (" + what + ")", hint(errno));
    }

    private static boolean isArray(MapType t) {
        return t == MapType.ARRAY || t == MapType.PERCPU_ARRAY || t == MapType.PROG_ARRAY
                || t == MapType.ARRAY_OF_MAPS || t == MapType.PERF_EVENT_ARRAY || t == MapType.CGROUP_ARRAY
                || t == MapType.DEVMAP || t == MapType.CPUMAP || t == MapType.XSKMAP;
    }

    private static BpfException classify(String operation, int errno, String name, String message, String hint) {
        switch (errno) {
            case EPERM:
            case EACCES:
                return new BpfPermissionException(operation, errno, name, message, permissionHint());
            case EINVAL:
                return new BpfInvalidArgumentException(operation, errno, name, message, hint);
            case EOPNOTSUPP:
            case ENOTSUPP:
                return new BpfNotSupportedException(operation, errno, name, message, hint);
            case ENOMEM:
                return new BpfOutOfMemoryException(operation, errno, name, message, hint);
            default:
                return new BpfException(operation, errno, name, message, hint);
        }
    }

    private static String describe(int errno) {
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
            case ENOSPC: return "no space left (output buffer too small)";
            case ENOSYS: return "the bpf() system call is not available";
            case EOPNOTSUPP: case ENOTSUPP: return "operation not supported";
            default: return "error " + errno;
        }
    }

    private static String hint(int errno) {
        switch (errno) {
            case ENOENT: return "check the name, path or key; for a pinned object, that it is pinned in a BPF filesystem";
            case E2BIG: return "lower max_entries or the key/value size; for updates, the map may be full";
            case ENOMEM: return "lower max_entries or the value size; on kernels before 5.11 raise RLIMIT_MEMLOCK";
            case EINVAL: return "the kernel rejected an argument: check map type, sizes and flags against this kernel"
                    + " (see the libbpf log on logger io.github.bpf4j.libbpf at FINE)";
            case ENOSPC: return "give a larger output buffer";
            case EOPNOTSUPP: case ENOTSUPP: return "this kernel does not support the feature; check the kernel version and config";
            case ENOSYS: return "the kernel lacks CONFIG_BPF_SYSCALL, or a seccomp filter blocks bpf()";
            case EBADF: return "the object was closed or never loaded";
            case EEXIST: return "use an update mode that allows replacing, or delete first";
            default: return "";
        }
    }

    /** Names the capabilities this process lacks, read from /proc/self/status. */
    static String permissionHint() {
        long caps = effectiveCapabilities();
        StringBuilder missing = new StringBuilder();
        if (caps >= 0) {
            boolean sysAdmin = (caps & (1L << 21)) != 0;
            if (!sysAdmin) {
                appendCap(missing, caps, 39, "CAP_BPF");
                appendCap(missing, caps, 38, "CAP_PERFMON");
                appendCap(missing, caps, 12, "CAP_NET_ADMIN");
            }
        }
        String unprivileged = readFirstLine("/proc/sys/kernel/unprivileged_bpf_disabled");
        StringBuilder hint = new StringBuilder();
        if (missing.length() > 0) {
            hint.append("this process lacks ").append(missing)
                    .append(" (and CAP_SYS_ADMIN): run as root, or grant CAP_BPF, plus CAP_PERFMON for tracing"
                            + " programs and CAP_NET_ADMIN for networking programs");
        } else {
            hint.append("the process has CAP_BPF/CAP_SYS_ADMIN, so the object itself forbids this"
                    + " (a frozen or read-only map, a BPF LSM, or a restricted BPF token)");
        }
        if (unprivileged != null && !unprivileged.equals("0")) {
            hint.append("; kernel.unprivileged_bpf_disabled=").append(unprivileged);
        }
        return hint.toString();
    }

    /** The BPF-related capabilities this process has, for reports. */
    static String permissionSummary() {
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

    private static void appendCap(StringBuilder sb, long caps, int bit, String name) {
        if ((caps & (1L << bit)) == 0) {
            sb.append(sb.length() == 0 ? "" : ", ").append(name);
        }
    }

    private static long effectiveCapabilities() {
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

    private static String readFirstLine(String path) {
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
