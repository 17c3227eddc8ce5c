/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeLayout;
import io.github.bpf4j.internal.NativeOwner;
import io.github.bpf4j.internal.ResourcePressure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A BPF ELF object: its maps and programs, first as a spec (after
 * {@code open}), then live in the kernel (after {@link #load()}).
 *
 * <p>The object owns everything native behind it: the libbpf object, every
 * map and program fd, and the mappings made by {@link BpfMap#mmap()}.
 * {@link #close()} releases them all; any later call on the object, its maps
 * or its programs throws {@link IllegalStateException}. A {@link #load()}
 * that fails closes the object. An object that is never closed is freed once
 * it, its maps and its programs are unreachable, with a warning on the
 * {@code io.github.bpf4j} logger (run with {@code -Dbpf4j.leakDetection=true}
 * to have it say where the object was created); and when fds or memory run
 * out, bpf4j prompts that collection itself before it gives up.
 *
 * <pre>{@code
 * try (BpfObject obj = BpfObject.openResource("io/github/bpf4j/bpf/mmap.bpf.o").load()) {
 *     ByteBuffer shared = obj.map("buf_map").mmap();
 *     obj.program("test_prog").testRun();
 * }
 * }</pre>
 */
public final class BpfObject implements AutoCloseable {
    private final NativeOwner owner;
    private final Handle handle;
    private final long pointer;
    private final String name;
    private final Map<String, BpfMap> maps = new LinkedHashMap<String, BpfMap>();
    private final Map<String, BpfProgram> programs = new LinkedHashMap<String, BpfProgram>();
    private volatile boolean loaded;

    private BpfObject(long pointer, String name) {
        this.pointer = pointer;
        this.name = name;
        // First, so nothing below can leak the pointer.
        this.owner = NativeOwner.ofObject(this, "BpfObject '" + name + "'", pointer);
        this.handle = owner.handle();
        try {
            for (long map : Native.objectMaps(pointer)) {
                BpfMap m = new BpfMap(this, owner, map);
                maps.put(m.name(), m);
            }
            for (long prog : Native.objectPrograms(pointer)) {
                BpfProgram p = new BpfProgram(this, handle, prog);
                programs.put(p.name(), p);
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Opens an ELF file; nothing reaches the kernel until {@link #load()}. The
     * object is named after the file, without {@code .bpf.o}.
     */
    public static BpfObject open(Path path) {
        return open(path, OpenOptions.defaults());
    }

    /** {@link #open(Path)} with options, e.g. a bound on the maps' memory. */
    public static BpfObject open(Path path, OpenOptions options) {
        byte[] elf;
        try {
            elf = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read BPF object file " + path + ": " + e, e);
        }
        return open(elf, objectName(path.getFileName() == null ? path.toString() : path.getFileName().toString()),
                options);
    }

    /** Opens an ELF image held in memory; {@code name} names the object in logs, errors and global-data maps. */
    public static BpfObject open(byte[] elf, String name) {
        return open(elf, name, OpenOptions.defaults());
    }

    /**
     * {@link #open(byte[], String)} with options, e.g. a bound on the maps' memory.
     *
     * @throws BpfInvalidArgumentException if the image is not a well-formed BPF
     *         object (bpf4j validates its ELF structure, BTF and BTF.ext before
     *         libbpf parses it), or its maps need more memory than
     *         {@link OpenOptions#maxMapMemory(long)} allows
     */
    public static BpfObject open(byte[] elf, String name, OpenOptions options) {
        if (options == null) {
            throw new NullPointerException("options is null");
        }
        if (elf == null) {
            throw new NullPointerException("elf is null");
        }
        if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("object name must be non-empty and without NUL: " + name);
        }
        Native.ensureLoaded();
        BpfObject obj = new BpfObject(Native.objectOpenMem(elf, name), name);
        try {
            obj.checkMapMemory(options.maxMapMemory());
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
        return obj;
    }

    /**
     * Refuses an object whose maps ask for more than maxBytes (OpenOptions#maxMapMemory documents the
     * estimate). Reads libbpf's own list, not {@link #maps}: two maps of one name must not hide each other.
     */
    private void checkMapMemory(long maxBytes) {
        if (maxBytes == OpenOptions.UNLIMITED) {
            return;
        }
        long total = 0;
        long largest = 0;
        long largestBytes = -1;
        long[] largestInfo = null;
        long[] info = new long[NativeLayout.MAP_DESCRIBE_LEN];
        for (long map : Native.objectMaps(pointer)) {
            Native.mapDescribe(map, info);
            long bytes = mapMemory(MapType.of((int) info[NativeLayout.MAP_DESCRIBE_TYPE]),
                    info[NativeLayout.MAP_DESCRIBE_KEY_SIZE], info[NativeLayout.MAP_DESCRIBE_VALUE_SIZE],
                    info[NativeLayout.MAP_DESCRIBE_MAX_ENTRIES]);
            total = saturatedAdd(total, bytes);
            if (bytes > largestBytes) {
                largest = map;
                largestBytes = bytes;
                largestInfo = info.clone();
            }
        }
        if (total > maxBytes) {
            String message = "object '" + name + "': its maps need " + total + " bytes, over the bound of " + maxBytes
                    + " bytes; the largest is map '" + Native.mapName(largest) + "' ("
                    + MapType.of((int) largestInfo[NativeLayout.MAP_DESCRIBE_TYPE]) + ", key "
                    + largestInfo[NativeLayout.MAP_DESCRIBE_KEY_SIZE] + " B, value "
                    + largestInfo[NativeLayout.MAP_DESCRIBE_VALUE_SIZE] + " B, max_entries "
                    + largestInfo[NativeLayout.MAP_DESCRIBE_MAX_ENTRIES] + "): " + largestBytes + " bytes";
            throw new BpfInvalidArgumentException("BpfObject.open", 22, "EINVAL", message,
                    "raise OpenOptions.maxMapMemory if the object is trusted, else check its max_entries and section sizes");
        }
    }

    /** Sizes as libbpf reports them: unsigned 32-bit, widened without sign. */
    private static long mapMemory(MapType type, long keySize, long valueSize, long maxEntries) {
        long entries = maxEntries & 0xffffffffL;
        long key = keySize & 0xffffffffL;
        long value = valueSize & 0xffffffffL;
        switch (type) {
            case ARENA:
                return saturatedMultiply(entries, Native.pageSize());
            case RINGBUF:
            case USER_RINGBUF:
                return entries;
            default:
                if (type.isPerCpu()) {
                    long perCpu = saturatedMultiply((value + 7) & ~7L, BpfMap.possibleCpus());
                    return saturatedMultiply(entries, saturatedAdd(key, perCpu));
                }
                return saturatedMultiply(entries, key + value);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    private static long saturatedMultiply(long a, long b) {
        return b != 0 && a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }

    /**
     * Opens an ELF object shipped as a class-path resource, e.g.
     * {@code io/github/bpf4j/bpf/mmap.bpf.o}. The object is named after the
     * file, without {@code .bpf.o}.
     */
    public static BpfObject openResource(String resource) {
        return openResource(resource, OpenOptions.defaults());
    }

    /** {@link #openResource(String)} with options, e.g. a bound on the maps' memory. */
    public static BpfObject openResource(String resource, OpenOptions options) {
        String path = resource.startsWith("/") ? resource.substring(1) : resource;
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        InputStream in = loader == null ? null : loader.getResourceAsStream(path);
        if (in == null) {
            in = BpfObject.class.getClassLoader().getResourceAsStream(path);
        }
        if (in == null) {
            throw new IllegalArgumentException("no class-path resource " + path);
        }
        byte[] elf;
        try {
            elf = readAll(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read class-path resource " + path + ": " + e, e);
        }
        return open(elf, objectName(path.substring(path.lastIndexOf('/') + 1)), options);
    }

    private static String objectName(String file) {
        return file.endsWith(".bpf.o") ? file.substring(0, file.length() - 6)
                : file.endsWith(".o") ? file.substring(0, file.length() - 2) : file;
    }

    /**
     * Creates the maps and loads the programs into the kernel.
     *
     * <p>On failure the object is closed: everything it holds (fds, the
     * libbpf object, arena mappings) is released before the exception
     * propagates, so {@code try (BpfObject o = BpfObject.open(x).load())}
     * leaks nothing when the load throws. To try again, open the object again.
     *
     * @return this object, now live
     * @throws BpfVerifierException if the verifier rejects a program (with its log); the object is closed
     * @throws BpfPermissionException without the privileges to load; the object is closed
     * @throws BpfException if the kernel or libbpf refuses the object for another reason; the object is closed
     * @throws IllegalStateException if the object is closed or already loaded (it stays as it was)
     */
    public BpfObject load() {
        handle.acquire();
        Throwable failure = null;
        try {
            synchronized (this) {
                if (loaded) {
                    throw new IllegalStateException(handle + " is already loaded");
                }
                try {
                    loadLocked();
                } catch (RuntimeException | Error e) {
                    failure = e;
                    throw e;
                }
            }
        } finally {
            handle.release();
            if (failure != null) {
                closeAfterFailedLoad(failure);
            }
        }
        return this;
    }

    private void loadLocked() {
        for (BpfMap m : maps.values()) {
            if (m.type() == MapType.ARENA) {
                m.prepareArena();
            }
        }
        // libbpf never loads an object twice, even after a failure: an EMFILE can only be avoided, not retried.
        ResourcePressure.reserveForLoad(programs.size(), maps.size(), "bpf_object__load(" + name + ")");
        try {
            Native.objectLoad(pointer);
        } catch (BpfException e) {
            if (ResourcePressure.isFdPressure(e.errno())) {
                // Too late for this object; the next open and load find the fds of forgotten ones freed.
                ResourcePressure.relieve("bpf_object__load(" + name + ")", e.errno());
            }
            throw e;
        }
        loaded = true;
        for (BpfMap m : maps.values()) {
            m.describe();
            if (m.type() == MapType.ARENA) {
                m.finishArena();
            }
        }
        for (BpfProgram p : programs.values()) {
            p.describe();
        }
    }

    /** Called with the handle released (close waits for calls in flight, this one included). */
    private void closeAfterFailedLoad(Throwable failure) {
        try {
            close();
        } catch (RuntimeException | Error e) {
            failure.addSuppressed(e);
        }
    }

    public String name() {
        return name;
    }

    public boolean isLoaded() {
        return loaded;
    }

    /** The object's maps, in ELF order, including libbpf's global-data maps (.bss, .data, .rodata). */
    public List<BpfMap> maps() {
        handle.ensureOpen();
        return Collections.unmodifiableList(new ArrayList<BpfMap>(maps.values()));
    }

    /** @throws NoSuchElementException listing the maps that exist */
    public BpfMap map(String mapName) {
        handle.ensureOpen();
        BpfMap m = maps.get(mapName);
        if (m == null) {
            throw new NoSuchElementException(noSuch("map", mapName, maps.keySet()));
        }
        return m;
    }

    public List<BpfProgram> programs() {
        handle.ensureOpen();
        return Collections.unmodifiableList(new ArrayList<BpfProgram>(programs.values()));
    }

    /** @throws NoSuchElementException listing the programs that exist */
    public BpfProgram program(String programName) {
        handle.ensureOpen();
        BpfProgram p = programs.get(programName);
        if (p == null) {
            throw new NoSuchElementException(noSuch("program", programName, programs.keySet()));
        }
        return p;
    }

    /**
     * Before {@link #load()}: sets a global variable's initial value — the way
     * to set a {@code const volatile} knob in {@code .rodata}, which is frozen
     * at load. {@code value} holds exactly the variable's bytes, in native
     * byte order.
     *
     * @throws NoSuchElementException if no global has that name
     * @throws IllegalArgumentException if {@code value} is not the variable's size
     */
    public void setGlobal(String variable, byte[] value) {
        if (variable == null || value == null) {
            throw new NullPointerException("variable and value must not be null");
        }
        handle.acquire();
        try {
            synchronized (this) {
                if (loaded) {
                    throw new IllegalStateException(handle + " is loaded: set initial values before load(),"
                            + " or write through global(name) (not possible for frozen .rodata)");
                }
                long[] found = new long[NativeLayout.GLOBAL_LEN];
                if (Native.objectFindGlobal(pointer, variable, found) != 0) {
                    throw new NoSuchElementException("BpfObject '" + name + "' has no global variable '" + variable
                            + "' (globals need BTF: compile with -g)");
                }
                if (value.length != found[NativeLayout.GLOBAL_SIZE]) {
                    throw new IllegalArgumentException("global '" + variable + "' has " + found[NativeLayout.GLOBAL_SIZE] + " bytes, the"
                            + " value " + value.length);
                }
                for (BpfMap m : maps.values()) {
                    if (m.btfValueTypeId() == (int) found[NativeLayout.GLOBAL_SECTION_TYPE_ID]) {
                        m.setInitialBytes(found[NativeLayout.GLOBAL_OFFSET], value);
                        return;
                    }
                }
                throw new UnsupportedOperationException("global '" + variable + "' is not in a global-data map"
                        + (found[NativeLayout.GLOBAL_IN_ARENA] == 1 ? " (an __arena global: write it through global(name) after load)" : ""));
            }
        } finally {
            handle.release();
        }
    }

    /**
     * A global variable of the programs ({@code .bss}, {@code .data},
     * {@code .rodata}, a custom {@code .data.*} section, or an {@code __arena}
     * global in the object's arena) as a direct buffer
     * of exactly its size, in native byte order, over the live map memory:
     * writes are seen by the programs at once, and the reverse. A
     * {@code const volatile} in a frozen {@code .rodata} gives a read-only buffer.
     *
     * @throws NoSuchElementException if no global has that name
     */
    public ByteBuffer global(String variable) {
        if (variable == null) {
            throw new NullPointerException("variable is null");
        }
        handle.acquire();
        try {
            if (!loaded) {
                throw new IllegalStateException(handle + " is not loaded: call load() first");
            }
            long[] found = new long[NativeLayout.GLOBAL_LEN];
            if (Native.objectFindGlobal(pointer, variable, found) != 0) {
                throw new NoSuchElementException("BpfObject '" + name + "' has no global variable '" + variable
                        + "' (globals need BTF: compile with -g)");
            }
            if (found[NativeLayout.GLOBAL_IN_ARENA] == 1) {
                for (BpfMap m : maps.values()) {
                    if (m.type() == MapType.ARENA) {
                        return m.arena().region().slice(m.arenaGlobalsBase(found[NativeLayout.GLOBAL_SECTION_SIZE])
                                + found[NativeLayout.GLOBAL_OFFSET], (int) found[NativeLayout.GLOBAL_SIZE]);
                    }
                }
            }
            for (BpfMap m : maps.values()) {
                if (m.btfValueTypeId() == (int) found[NativeLayout.GLOBAL_SECTION_TYPE_ID]) {
                    ByteBuffer all = m.mmap();
                    int offset = (int) found[NativeLayout.GLOBAL_OFFSET];
                    all.position(offset).limit(offset + (int) found[NativeLayout.GLOBAL_SIZE]);
                    return all.slice().order(ByteOrder.nativeOrder());
                }
            }
            throw new NoSuchElementException("global '" + variable + "' of BpfObject '" + name
                    + "' is in a section without a map (not created on this kernel?)");
        } finally {
            handle.release();
        }
    }

    /**
     * The map libbpf made for a global-data section, by the section's name:
     * {@code ".bss"}, {@code ".data"}, {@code ".rodata"}, {@code ".kconfig"} or a
     * custom {@code ".data.<name>"} / {@code ".rodata.<name>"}. Map names
     * themselves are truncated ({@code acc_pages} gives {@code acc_page.bss}:
     * at most 8 characters of the object name before {@code .bss}/{@code .data}/{@code .rodata})
     * and custom sections carry no object prefix at all, so look data maps up
     * here rather than by {@link #map(String)}.
     *
     * @throws NoSuchElementException if the object has no such section (no variable is in it)
     */
    public BpfMap dataMap(String section) {
        handle.acquire();
        try {
            return BpfMap.dataMap(name, pointer, maps.values(), section);
        } finally {
            handle.release();
        }
    }

    /**
     * Unloads everything: waits for calls in flight on other threads, detaches
     * mmapped buffers (they stay harmless but no longer shared), closes every
     * fd and frees the libbpf object. Idempotent.
     */
    @Override
    public void close() {
        owner.close();
        // Let the detached ranges go as soon as the caller's own views are gone.
        for (BpfMap m : maps.values()) {
            m.forgetMapping();
        }
    }

    @Override
    public String toString() {
        return "BpfObject[" + name + (handle.isClosed() ? ", closed" : loaded ? ", loaded" : ", opened") + "]";
    }

    private String noSuch(String kind, String wanted, Collection<String> names) {
        return "BpfObject '" + name + "' has no " + kind + " '" + wanted + "'; its " + kind + "s are " + names;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (InputStream input = in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[16384];
            for (int n; (n = input.read(buf)) > 0;) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }
}
