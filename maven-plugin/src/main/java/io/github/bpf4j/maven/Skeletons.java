package io.github.bpf4j.maven;

import io.github.bpf4j.gen.SkeletonGenerator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Java skeletons for compiled objects, through the library's generator. Each
 * object's generated files are listed in a record under the build's state
 * folder: the generator runs again only when the object is newer than that
 * record, a listed file is gone, or the package changed, and files it no
 * longer writes are deleted.
 */
final class Skeletons {
    private final Path outDir;
    private final Path stateDir;

    Skeletons(Path outDir, Path stateDir) {
        this.outDir = outDir;
        this.stateDir = stateDir;
    }

    /** Generates the skeleton of {@code object} unless up to date; true when it ran. */
    boolean generate(Path object, String javaPackage, String className, List<String> extraTypes)
            throws BpfBuildException {
        Path record = stateDir.resolve(object.getFileName() + ".java-files");
        String header = "package " + javaPackage + " class " + className + " types " + extraTypes;
        List<String> previous = read(record);
        if (previous != null && !previous.isEmpty() && previous.get(0).equals(header)
                && upToDate(object, record, previous.subList(1, previous.size()))) {
            return false;
        }
        List<Path> written;
        try {
            Files.createDirectories(stateDir);
            Files.deleteIfExists(record);
            written = SkeletonGenerator.generate(object, javaPackage, className, outDir, extraTypes);
        } catch (IOException | RuntimeException e) {
            throw new BpfBuildException("bpf4j: cannot generate the Java skeleton of " + object + ": " + e.getMessage()
                    + "; fix the program (its BTF: compiled with -g?) or set <skeletons>false</skeletons>"
                    + " and open the object with BpfObject.openResource", e);
        }
        List<String> lines = new ArrayList<>();
        lines.add(header);
        for (Path p : written) {
            lines.add(p.toAbsolutePath().toString());
        }
        if (previous != null) {           // files an earlier version of the program had (a removed struct)
            for (String old : previous.subList(Math.min(1, previous.size()), previous.size())) {
                if (!lines.contains(old)) {
                    try {
                        Files.deleteIfExists(Paths.get(old));
                    } catch (IOException ignored) {
                        // a stale generated file only costs a recompile
                    }
                }
            }
        }
        try {
            Files.write(record, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BpfBuildException("bpf4j: cannot write " + record + ": " + e, e);
        }
        return true;
    }

    /** Deletes the skeletons of objects not in {@code objects} (their source was removed or renamed). */
    void removeOthers(List<Path> objects) throws BpfBuildException {
        if (!Files.isDirectory(stateDir)) {
            return;
        }
        List<String> keep = new ArrayList<>();
        for (Path o : objects) {
            keep.add(o.getFileName() + ".java-files");
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(stateDir, "*.java-files")) {
            for (Path record : ds) {
                if (keep.contains(record.getFileName().toString())) {
                    continue;
                }
                List<String> lines = read(record);
                if (lines != null) {
                    for (String f : lines.subList(Math.min(1, lines.size()), lines.size())) {
                        Files.deleteIfExists(Paths.get(f));
                    }
                }
                Files.delete(record);
            }
        } catch (IOException e) {
            throw new BpfBuildException("bpf4j: cannot remove old skeletons listed in " + stateDir + ": " + e, e);
        }
    }

    private static boolean upToDate(Path object, Path record, List<String> files) {
        try {
            FileTime made = Files.getLastModifiedTime(record);
            if (Files.getLastModifiedTime(object).compareTo(made) > 0) {
                return false;
            }
            for (String f : files) {
                if (!Files.isRegularFile(Paths.get(f))) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> read(Path record) {
        try {
            return Files.isRegularFile(record)
                    ? Files.readAllLines(record, StandardCharsets.UTF_8)
                    : null;
        } catch (IOException e) {
            return Arrays.asList();
        }
    }
}
