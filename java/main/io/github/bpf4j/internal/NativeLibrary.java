/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.scijava.nativelib.DefaultJniExtractor;

/**
 * Finds libbpf4j.so for this platform inside the jar and loads it with
 * {@code System.load} from this class, so that JNI_OnLoad resolves bpf4j's
 * classes through bpf4j's own class loader (not native-lib-loader's).
 */
public final class NativeLibrary {
    /** Overrides the jar's copy, e.g. for a locally built library. */
    static final String PATH_PROPERTY = "bpf4j.library.path";

    private static volatile boolean loaded;
    private static UnsupportedOperationException failure;

    private NativeLibrary() {}

    static void ensureLoaded() {
        if (loaded) {
            return;
        }
        synchronized (NativeLibrary.class) {
            if (loaded) {
                return;
            }
            if (failure != null) {
                UnsupportedOperationException again = new UnsupportedOperationException(failure.getMessage());
                again.initCause(failure);
                throw again;
            }
            try {
                load();
                loaded = true;
                LibbpfLog.refresh(); // log.c forwards everything until told what the logger wants
            } catch (UnsupportedOperationException e) {
                failure = e;
                throw e;
            }
        }
    }

    static boolean isLoaded() {
        return loaded;
    }

    private static void load() {
        String override = System.getProperty(PATH_PROPERTY);
        if (override != null && !override.isEmpty()) {
            systemLoad(new File(override).getAbsolutePath());
            return;
        }
        String dir = "natives/" + platformDirectory() + "/";
        File file;
        try {
            file = new DefaultJniExtractor(NativeLibrary.class).extractJni(dir, "bpf4j");
        } catch (IOException e) {
            throw new UnsupportedOperationException(
                    "bpf4j: cannot extract " + dir + "libbpf4j.so from the jar to a temporary directory ("
                            + e.getMessage() + "); set java.io.tmpdir to a writable, exec-allowed directory", e);
        }
        if (file == null) {
            throw new UnsupportedOperationException("bpf4j: the jar has no " + dir
                    + "libbpf4j.so; was it built without its native library? Rebuild with ./setup.sh");
        }
        systemLoad(file.getAbsolutePath());
    }

    /** Turns the JVM's UnsatisfiedLinkError into one sentence that says what to do. */
    private static void systemLoad(String path) {
        try {
            System.load(path);
        } catch (UnsatisfiedLinkError e) {
            String why = String.valueOf(e.getMessage());
            String advice = why.contains("GLIBC_")
                    ? "this system's glibc is older than bpf4j's native library needs (glibc 2.28 or newer)"
                    : why.contains("noexec") || why.contains("failed to map segment")
                            ? "the temporary directory is mounted noexec; set -Djava.io.tmpdir to an exec-allowed one"
                            : "the native library could not be loaded";
            UnsupportedOperationException u = new UnsupportedOperationException(
                    "bpf4j: " + advice + " (" + path + ": " + why + ")");
            u.initCause(e);
            throw u;
        }
    }

    /** native-lib-loader's directory names: linux_64, linux_arm64. */
    public static String platformDirectory() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux") && usesMusl()) {
            throw unsupported("musl libc (e.g. Alpine)");
        }
        if (os.startsWith("linux")) {
            if (arch.equals("amd64") || arch.equals("x86_64")) {
                return "linux_64";
            }
            if (arch.equals("aarch64") || arch.equals("arm64")) {
                return "linux_arm64";
            }
        }
        throw unsupported(System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    }

    private static UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException("bpf4j supports 64-bit Linux with glibc 2.28+ on x86_64 and aarch64;"
                + " this JVM runs on " + what);
    }

    /** A JVM linked against musl maps its loader; glibc's is ld-linux. */
    private static boolean usesMusl() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new FileInputStream("/proc/self/maps"), StandardCharsets.US_ASCII))) {
            for (String line; (line = r.readLine()) != null;) {
                if (line.contains("/ld-musl-") || line.contains("/libc.musl-")) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
