/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The headers a BPF C program needs, as the bpf4j jar carries them: libbpf 1.7's BPF-side headers
 * ({@code bpf/bpf_helpers.h}, {@code bpf/bpf_tracing.h}, ...), bpf4j's own ({@code bpf4j/arena.h},
 * {@code bpf4j/ringbuf.h}, ...), the kernel UAPI headers libbpf is written against ({@code linux/bpf.h},
 * ...), and their licence texts. Written out into one folder, they are everything a program needs on
 * clang's include path besides a {@code vmlinux.h} (see {@link io.github.bpf4j.btf.BtfDump}):
 *
 * <pre>
 * clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I DIR -c prog.bpf.c -o prog.bpf.o
 * </pre>
 *
 * A program that includes {@code <linux/bpf.h>} instead of {@code vmlinux.h} also needs the machine's own
 * kernel headers for {@code <linux/types.h>} and {@code <asm/types.h>} (Debian: linux-libc-dev, with
 * {@code -idirafter /usr/include/x86_64-linux-gnu}, since clang drops that directory for {@code -target bpf}).
 */
public final class BpfHeaders {
    /** The resource folder in the jar. */
    static final String ROOT = "/bpf4j/include/";

    private BpfHeaders() {}

    /**
     * The files of the folder, relative to it, with '/' between folder and name: {@code bpf/bpf_helpers.h},
     * {@code bpf4j/arena.h}, {@code linux/bpf.h}, {@code LICENSE}, ...
     *
     * @throws IllegalStateException if this copy of bpf4j was packaged without its headers
     */
    public static List<String> files() {
        byte[] index = resource("INDEX");
        List<String> names = new ArrayList<String>();
        for (String line : new String(index, StandardCharsets.UTF_8).split("\n")) {
            String name = line.trim();
            if (name.isEmpty()) {
                continue;
            }
            // The index is the build's, but a name must never lead out of the folder it is extracted to.
            if (name.startsWith("/") || Arrays.asList(name.split("/")).contains("..")) {
                throw new IllegalStateException("BpfHeaders: the jar's header index names '" + name
                        + "', outside its folder; this bpf4j jar is damaged: use an unmodified one");
            }
            names.add(name);
        }
        return Collections.unmodifiableList(names);
    }

    /**
     * Writes every file of the folder under {@code dir}, keeping the subfolders ({@code dir/bpf/bpf_helpers.h},
     * {@code dir/bpf4j/arena.h}, {@code dir/linux/bpf.h}, the licence texts), creating the folders it needs. A
     * file that already has the right content is left alone (its modification time too, so that incremental
     * builds see nothing new); any other file there is replaced.
     *
     * @return every file of the folder under {@code dir}, in {@link #files()} order
     * @throws IOException if a folder or file cannot be created or written
     * @throws IllegalStateException if this copy of bpf4j was packaged without its headers
     */
    public static List<Path> extract(Path dir) throws IOException {
        if (dir == null) {
            throw new NullPointerException("BpfHeaders.extract: dir is null; pass the folder to write the headers to");
        }
        List<Path> written = new ArrayList<Path>();
        Path root = Files.createDirectories(dir);
        for (String name : files()) {
            byte[] bytes = resource(name);
            Path target = root.resolve(name);
            Files.createDirectories(target.getParent());
            if (!sameContent(target, bytes)) {
                // Through a temporary file and a rename: a compiler running meanwhile never sees half a header.
                Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
                try {
                    Files.write(tmp, bytes);
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            written.add(target);
        }
        return Collections.unmodifiableList(written);
    }

    private static boolean sameContent(Path file, byte[] bytes) throws IOException {
        return Files.isRegularFile(file) && Files.size(file) == bytes.length
                && Arrays.equals(Files.readAllBytes(file), bytes);
    }

    private static byte[] resource(String name) {
        InputStream in = BpfHeaders.class.getResourceAsStream(ROOT + name);
        if (in == null) {
            throw new IllegalStateException("BpfHeaders: no class-path resource " + ROOT + name + "; this copy of"
                    + " bpf4j was packaged without its BPF headers: use the released jar, or build with mvn package"
                    + " (CMake stages them into target/classes)");
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[16384];
            for (int n; (n = in.read(buf)) > 0;) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("BpfHeaders: cannot read the class-path resource " + ROOT + name
                    + " (" + e + "); the jar is damaged or was replaced while running", e);
        } finally {
            try {
                in.close();
            } catch (IOException ignored) {
                // read fully or failed above; nothing more to say
            }
        }
    }
}
