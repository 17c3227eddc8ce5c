/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.io.File;
import java.io.IOException;
import java.util.Locale;
import org.scijava.nativelib.DefaultJniExtractor;

/**
 * Finds libbpf4j.so for this platform inside the jar and loads it with
 * {@code System.load} from this class, so that JNI_OnLoad resolves bpf4j's
 * classes through bpf4j's own class loader (not native-lib-loader's).
 */
final class NativeLibrary {
    /** Overrides the jar's copy, e.g. for a locally built library. */
    static final String PATH_PROPERTY = "bpf4j.library.path";

    private NativeLibrary() {}

    static void load() {
        String override = System.getProperty(PATH_PROPERTY);
        if (override != null && !override.isEmpty()) {
            System.load(new File(override).getAbsolutePath());
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
        System.load(file.getAbsolutePath());
    }

    /** native-lib-loader's directory names: linux_64, linux_arm64. */
    static String platformDirectory() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            if (arch.equals("amd64") || arch.equals("x86_64")) {
                return "linux_64";
            }
            if (arch.equals("aarch64") || arch.equals("arm64")) {
                return "linux_arm64";
            }
        }
        throw new UnsupportedOperationException("bpf4j supports Linux on x86_64 and aarch64 only (glibc); this JVM runs on "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    }
}
