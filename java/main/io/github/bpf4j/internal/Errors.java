/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.BpfVerifierException;
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
        String libbpfSaid = lastWarnings(detail);
        if (!libbpfSaid.isEmpty()) {
            message = message + "; libbpf: " + libbpfSaid;
        }
        if (errno == EPERM || errno == EACCES) {
            return new BpfPermissionException(operation, errno, name, message, permissionHint());
        }
        return new BpfException(operation, errno, name, message, hint(errno));
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
