package io.github.bpf4j.maven;

import io.github.bpf4j.btf.BtfDump;
import io.github.bpf4j.gen.BpfHeaders;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.List;

/**
 * The build's copy of the BPF-side headers from the bpf4j jar (bpf_helpers.h,
 * bpf4j/arena.h, ...) and, on request, a vmlinux.h. A file is rewritten only
 * when its bytes change, so its timestamp stays put and objects that include
 * it are not recompiled on every build.
 */
final class IncludeDir {
    private IncludeDir() {
    }

    /** Writes the jar's headers under {@code dir}; returns how many changed. */
    static int syncHeaders(Path dir) throws BpfBuildException {
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempDirectory(dir.getParent(), ".bpf4j-headers");
            List<Path> written = BpfHeaders.extract(tmp);
            int changed = 0;
            for (Path f : written) {
                Path rel = tmp.relativize(f);
                if (replaceIfDifferent(dir.resolve(rel.toString()), Files.readAllBytes(f))) {
                    changed++;
                }
            }
            return changed;
        } catch (IOException e) {
            throw new BpfBuildException("bpf4j: cannot write the BPF headers from the bpf4j jar into " + dir + ": " + e
                    + "; check that the build directory is writable", e);
        } finally {
            deleteTree(tmp);
        }
    }

    /**
     * Writes {@code dir/vmlinux.h} from a BTF file, or from the running kernel's
     * BTF when {@code btf} is null; true when it changed.
     */
    static boolean syncVmlinux(Path dir, Path btf) throws BpfBuildException {
        Path out = dir.resolve("vmlinux.h");
        Path source = btf == null ? Paths.get("/sys/kernel/btf/vmlinux") : btf;
        // Dumping the kernel's BTF takes about a second: skip it while the
        // input (and the kernel release) is what the present vmlinux.h came from.
        String origin;
        try {
            origin = source.toAbsolutePath() + " " + Files.size(source) + " " + Files.getLastModifiedTime(source)
                    + " " + System.getProperty("os.version") + "\n";
        } catch (IOException e) {
            origin = null;       // BtfDump says what is wrong with it
        }
        Path originFile = dir.resolve(".vmlinux.h.origin");
        try {
            if (origin != null && Files.isRegularFile(out) && Files.isRegularFile(originFile)
                    && origin.equals(new String(Files.readAllBytes(originFile), StandardCharsets.UTF_8))) {
                return false;
            }
        } catch (IOException e) {
            // fall through: dump again
        }
        StringBuilder c = new StringBuilder(4 << 20);
        try {
            BtfDump.writeC(btf, c);
        } catch (IOException | RuntimeException e) {
            String from = btf == null ? "the running kernel's BTF (/sys/kernel/btf/vmlinux)" : btf.toString();
            throw new BpfBuildException("bpf4j: cannot generate vmlinux.h from " + from + ": " + e.getMessage()
                    + "; build on a Linux machine whose kernel has BTF (CONFIG_DEBUG_INFO_BTF), point <vmlinuxBtf>"
                    + " at a BTF file, or commit a vmlinux.h into the source directory and set <vmlinux>false</vmlinux>", e);
        }
        try {
            Files.createDirectories(dir);
            boolean changed = replaceIfDifferent(out, c.toString().getBytes(StandardCharsets.UTF_8));
            if (origin != null) {
                Files.write(originFile, origin.getBytes(StandardCharsets.UTF_8));
            }
            return changed;
        } catch (IOException e) {
            throw new BpfBuildException("bpf4j: cannot write " + out + ": " + e, e);
        }
    }

    static boolean replaceIfDifferent(Path target, byte[] bytes) throws IOException {
        if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), bytes)) {
            return false;
        }
        Files.createDirectories(target.getParent());
        Path part = target.resolveSibling(target.getFileName() + ".part");
        Files.write(part, bytes);
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<Path>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // a leftover temporary folder in target/ is harmless
        }
    }
}
