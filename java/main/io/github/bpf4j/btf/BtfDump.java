/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.btf;

import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Native;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A {@code vmlinux.h} from BTF: every type as C declarations, through libbpf's {@code btf_dump}, framed like
 * {@code bpftool btf dump file /sys/kernel/btf/vmlinux format c} (include guard {@code __VMLINUX_H__}, the
 * {@code preserve_access_index} pragma for CO-RE, {@code __ksym}/{@code __weak}/{@code __bpf_fastcall}, and
 * the kernel's kfunc prototypes). Types come in type id order, like bpftool's {@code unsorted}: the same BTF
 * gives the same header byte for byte.
 *
 * <pre>
 * try (Writer w = Files.newBufferedWriter(Paths.get("vmlinux.h"))) {
 *     BtfDump.writeC(null, w);                       // the running kernel's BTF
 * }
 * BtfDump.writeC(Paths.get("prog.bpf.o"), System.out); // the types of one BPF object
 * </pre>
 *
 * A corrupt file is refused with an exception before libbpf's dumper sees it: the checks are the kernel's
 * own rules for BTF (no reference loops that no pointer to a named struct breaks, members inside their
 * struct, sized member types), so no BTF a kernel or compiler made is turned away.
 */
public final class BtfDump {
    private static final Path SYS_BTF = Paths.get("/sys/kernel/btf");
    private static final Path VMLINUX = SYS_BTF.resolve("vmlinux");
    // jni/btf_dump.c's sources and its "malformed" return
    private static final int SOURCE_VMLINUX = 0;
    private static final int SOURCE_FILE = 1;
    private static final int SOURCE_SPLIT = 2;
    private static final int MALFORMED = 1;
    // libbpf's own error codes (LIBBPF_ERRNO__*) start here; all say "not a file libbpf can read"
    private static final int LIBBPF_ERRNO_START = 4000;
    private static final int ELOOP = 40;
    private static final int ENODATA = 61;
    private static final int EPROTO = 71;

    private BtfDump() {}

    /**
     * Writes {@code btfFile}'s types (or, for {@code null}, the running kernel's) to {@code out} as a C header.
     *
     * @param btfFile raw BTF (like {@code /sys/kernel/btf/vmlinux}, or a copy of it) or an ELF file with a
     *     {@code .BTF} section (a {@code .bpf.o} compiled with {@code -g}, a {@code vmlinux}); a kernel module's
     *     BTF ({@code /sys/kernel/btf/<module>}) is split BTF on the kernel's and is read on the running
     *     kernel's; {@code null}: the running kernel's BTF (libbpf's search: {@code /sys/kernel/btf/vmlinux},
     *     then {@code vmlinux} ELF files under {@code /boot} and {@code /lib/modules})
     * @param out where the header goes, in chunks of up to 64 KiB (wrap a file's {@code Writer} in a
     *     {@code BufferedWriter} or use {@code Files.newBufferedWriter}); on a failure it may hold a partial header
     * @throws NoSuchFileException if {@code btfFile} does not exist
     * @throws AccessDeniedException if this process may not read {@code btfFile}
     * @throws IOException what {@code out} threw
     * @throws IllegalArgumentException if {@code btfFile} is not a regular file, not BTF or ELF with BTF, or
     *     malformed BTF (the message names the type and what is wrong with it)
     * @throws UnsupportedOperationException if {@code btfFile} is null and the running kernel has no BTF, or the
     *     native library cannot load here
     * @throws io.github.bpf4j.BpfException if reading the BTF failed for another reason (the errno says which)
     */
    public static void writeC(Path btfFile, Appendable out) throws IOException {
        if (out == null) {
            throw new NullPointerException("BtfDump.writeC: out is null; pass where the header goes (a Writer,"
                    + " a StringBuilder, System.out)");
        }
        int source = btfFile == null ? SOURCE_VMLINUX : checkFile(btfFile);
        if (source != SOURCE_FILE) {
            requireKernelBtf(btfFile);
        }
        dump(btfFile, null, source, out);
    }

    /**
     * Writes the types of split BTF (a kernel module's: it numbers its types after the kernel's and refers to
     * them) on top of its base, all of them, as {@code bpftool -B base btf dump file split format c} does.
     *
     * @param splitBtf the split BTF file
     * @param baseBtf the BTF it was made on (raw or ELF); {@code null}: the running kernel's
     * @param out where the header goes (see {@link #writeC(Path, Appendable)})
     * @throws NoSuchFileException if a file does not exist
     * @throws AccessDeniedException if this process may not read a file
     * @throws IOException what {@code out} threw
     * @throws IllegalArgumentException if a file is not a regular file, not BTF, or malformed BTF, or the split
     *     BTF does not fit its base
     * @throws UnsupportedOperationException if {@code baseBtf} is null and the running kernel has no BTF
     */
    public static void writeC(Path splitBtf, Path baseBtf, Appendable out) throws IOException {
        if (splitBtf == null) {
            throw new NullPointerException("BtfDump.writeC: splitBtf is null; pass the split BTF file (a module's)");
        }
        if (out == null) {
            throw new NullPointerException("BtfDump.writeC: out is null; pass where the header goes (a Writer,"
                    + " a StringBuilder, System.out)");
        }
        checkFile(splitBtf);
        if (baseBtf == null) {
            requireKernelBtf(splitBtf);
        } else {
            checkFile(baseBtf);
        }
        dump(splitBtf, baseBtf, SOURCE_SPLIT, out);
    }

    private static void dump(Path file, Path base, int source, Appendable out) throws IOException {
        Native.ensureLoaded();
        String[] why = new String[1];
        Utf8Sink sink = new Utf8Sink(out);
        int ret = Native.btfDumpC(file == null ? null : file.toString(), base == null ? null : base.toString(),
                source, sink, why);
        sink.finish();
        String what = base == null ? String.valueOf(file) : file + " (on " + base + ")";
        if (ret == MALFORMED) {
            throw new IllegalArgumentException("BtfDump.writeC: " + what + " is not well-formed BTF: " + why[0]
                    + "; pass the file the compiler (clang -g), pahole or the kernel made, unmodified");
        }
        if (ret < 0) {
            throw failure(what, source, -ret, why[0]);
        }
    }

    /** The source kind of an existing, readable regular file. */
    private static int checkFile(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "BtfDump.writeC: no such file; pass raw BTF (like"
                    + " /sys/kernel/btf/vmlinux) or an ELF file with a .BTF section (a .bpf.o built with -g)");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("BtfDump.writeC: " + file + " is "
                    + (Files.isDirectory(file) ? "a directory" : "not a regular file") + "; pass raw BTF (like"
                    + " /sys/kernel/btf/vmlinux) or an ELF file with a .BTF section (a .bpf.o built with -g)");
        }
        if (Files.size(file) == 0 && !file.toAbsolutePath().startsWith(SYS_BTF)) { // sysfs files report size 0
            throw new IllegalArgumentException("BtfDump.writeC: " + file + " is empty; pass raw BTF (like"
                    + " /sys/kernel/btf/vmlinux) or an ELF file with a .BTF section (a .bpf.o built with -g)");
        }
        if (!Files.isReadable(file)) {
            throw new AccessDeniedException(file.toString(), null, "BtfDump.writeC: this process may not read it;"
                    + " make it readable (chmod o+r) or run as a user who may");
        }
        Path real = file.toRealPath();
        // bpftool's rule: what sysfs has besides vmlinux is a module's split BTF on the kernel's
        return real.getParent() != null && real.getParent().equals(SYS_BTF) && !real.equals(VMLINUX)
                ? SOURCE_SPLIT : SOURCE_FILE;
    }

    private static void requireKernelBtf(Path module) {
        if (module == null && !Files.exists(VMLINUX) && !Files.isDirectory(Paths.get("/boot"))) {
            throw new UnsupportedOperationException("BtfDump.writeC: the running kernel exposes no BTF ("
                    + VMLINUX + " is missing: built without CONFIG_DEBUG_INFO_BTF); pass the BTF of the kernel the"
                    + " programs are for (a copy of its /sys/kernel/btf/vmlinux, or its vmlinux ELF file)");
        }
        if (module != null && !Files.exists(VMLINUX)) {
            throw new UnsupportedOperationException("BtfDump.writeC: " + module + " is a kernel module's BTF, which"
                    + " builds on the kernel's, and " + VMLINUX + " is missing; dump " + VMLINUX + " itself instead");
        }
    }

    private static RuntimeException failure(String file, int source, int errno, String libbpfSaid) {
        String said = libbpfSaid == null || libbpfSaid.trim().isEmpty() ? ""
                : " (libbpf: " + libbpfSaid.trim().replaceAll("\\s*\\n\\s*", " / ").replace("libbpf: ", "") + ")";
        if (source == SOURCE_VMLINUX) {
            if (errno == Errors.ENOENT) {
                return new UnsupportedOperationException("BtfDump.writeC: the running kernel's BTF was not found"
                        + said + "; it needs CONFIG_DEBUG_INFO_BTF, or pass the BTF of the kernel the programs are"
                        + " for (a copy of its /sys/kernel/btf/vmlinux, or its vmlinux ELF file)");
            }
            return Errors.of(Errors.Op.OTHER, "btf__load_vmlinux_btf", errno, libbpfSaid);
        }
        if (errno == ENODATA) {
            return new IllegalArgumentException("BtfDump.writeC: " + file + " is an ELF file without a .BTF section"
                    + said + "; compile BPF programs with -g (clang -O2 -g -target bpf), or pass a vmlinux built with"
                    + " CONFIG_DEBUG_INFO_BTF");
        }
        if (errno == Errors.EINVAL || errno == EPROTO || errno == Errors.E2BIG || errno == ELOOP
                || errno == Errors.EFAULT || errno >= LIBBPF_ERRNO_START) {
            return new IllegalArgumentException("BtfDump.writeC: " + file + " is neither BTF nor an ELF file with"
                    + " BTF that libbpf can read" + said + "; pass raw BTF (like /sys/kernel/btf/vmlinux) or an ELF"
                    + " file with a .BTF section (a .bpf.o built with -g), unmodified");
        }
        return Errors.of(Errors.Op.OTHER, "btf__parse(" + file + ")", errno, libbpfSaid);
    }

    /**
     * The native side's bytes as text: UTF-8 (BTF names are bytes; anything else becomes U+FFFD), decoded across
     * chunk boundaries, appended to the caller's Appendable, whose IOException the native side passes on.
     */
    private static final class Utf8Sink extends OutputStream {
        private final Appendable out;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private final CharBuffer chars = CharBuffer.allocate(16384);
        private ByteBuffer pending = ByteBuffer.allocate(0);

        Utf8Sink(Appendable out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer in = ByteBuffer.allocate(pending.remaining() + len);
            in.put(pending).put(b, off, len).flip();
            decode(in, false);
            // an incomplete sequence at the end waits for the next chunk
            pending = ByteBuffer.allocate(in.remaining()).put(in);
            pending.flip();
        }

        void finish() throws IOException {
            decode(pending, true);
            pending = ByteBuffer.allocate(0);
            while (decoder.flush(chars).isOverflow()) {
                drain();
            }
            drain();
        }

        private void decode(ByteBuffer in, boolean last) throws IOException {
            while (decoder.decode(in, chars, last).isOverflow()) {
                drain();
            }
            drain();
        }

        private void drain() throws IOException {
            chars.flip();
            out.append(chars);
            chars.clear();
        }
    }
}
