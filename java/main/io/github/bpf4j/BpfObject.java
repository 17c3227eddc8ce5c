/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.btf.Btf;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.LibbpfLog;
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
import java.util.HashMap;
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
 * or its programs throws {@link IllegalStateException}.
 *
 * <p>Its life is a small state machine, {@link #state()}:
 * {@link State#OPENED} after {@code open}, then {@link #load()} makes it
 * {@link State#LOADED} or, if the load throws, {@link State#FAILED}: a failed
 * load releases everything at once (as {@link #close()} does) and cannot be
 * retried, because libbpf marks an object loaded even when its load failed;
 * every later call, {@code load()} included, throws
 * {@link IllegalStateException} saying what failed and to open the object again.
 * {@link #close()} makes an opened or loaded object {@link State#CLOSED}
 * (a failed one stays {@link State#FAILED}). An object that is never closed is freed once
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
    /** Parsed on the first {@link #btf()}; immutable, so a racing second parse is harmless. */
    private volatile Btf btf;
    /** Written under {@code synchronized (this)}; read anywhere. */
    private volatile State state = State.OPENED;
    /** What a failed load threw, for the message of every later call. */
    private volatile String failure;

    /**
     * Where a {@link BpfObject} is in its life; see {@link BpfObject#state()}.
     * {@code OPENED → LOADED | FAILED}, and {@code OPENED | LOADED → CLOSED}.
     */
    public enum State {
        /** Opened: a spec; {@link BpfObject#setGlobal} and {@link BpfObject#load()} are allowed. */
        OPENED,
        /** Loaded: maps and programs live in the kernel. */
        LOADED,
        /** {@link BpfObject#load()} threw; everything is already released. Open the object again to retry. */
        FAILED,
        /** {@link BpfObject#close()} released everything. */
        CLOSED
    }

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
        String name = objectName(path.getFileName() == null ? path.toString() : path.getFileName().toString());
        byte[] spelled = nativePath(path);
        if (spelled != null && options != null && validName(name) && nativeReady()) {
            long pointer = Native.objectOpenFile(spelled, name);
            if (pointer != 0) {
                return opened(pointer, name, options);
            }
        }
        // Unreadable in C (or a path C cannot be handed): Java reads it, and says why if it cannot.
        byte[] elf;
        try {
            elf = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read BPF object file " + path + ": " + e, e);
        }
        return open(elf, name, options);
    }

    /**
     * The path's bytes for open(2), NUL-terminated, if it is plain ASCII (spelled the same in every
     * platform encoding) on the default file system; else null, and Java reads the file.
     */
    private static byte[] nativePath(Path path) {
        if (path.getFileSystem() != java.nio.file.FileSystems.getDefault()) {
            return null;
        }
        String s = path.toString();
        int n = s.length();
        if (n == 0) {
            return null;
        }
        byte[] bytes = new byte[n + 1];
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == 0 || c > 0x7f) {
                return null;
            }
            bytes[i] = (byte) c;
        }
        return bytes;
    }

    private static boolean validName(String name) {
        return name != null && !name.isEmpty() && name.indexOf('\0') < 0;
    }

    /** False where the library cannot load: the Java path then reports a missing file before that. */
    private static boolean nativeReady() {
        try {
            prepareOpen();
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    private static void prepareOpen() {
        Native.ensureLoaded();
        LibbpfLog.refresh(); // honours a java.util.logging level changed since the last open or load
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
     *         libbpf parses it)
     * @throws IllegalArgumentException if its maps need more memory than
     *         {@link OpenOptions#maxMapMemory(long)} allows
     */
    public static BpfObject open(byte[] elf, String name, OpenOptions options) {
        if (options == null) {
            throw new NullPointerException("options is null");
        }
        if (elf == null) {
            throw new NullPointerException("elf is null");
        }
        if (!validName(name)) {
            throw new IllegalArgumentException("object name must be non-empty and without NUL: " + name);
        }
        prepareOpen();
        return opened(Native.objectOpenMem(elf, name), name, options);
    }

    /** The BpfObject of libbpf object pointer, just opened. */
    private static BpfObject opened(long pointer, String name, OpenOptions options) {
        BpfObject obj = new BpfObject(pointer, name);
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
            // A bound of bpf4j's, not a kernel answer: no errno, so an argument error (the options).
            throw new IllegalArgumentException("BpfObject.open: object '" + name + "': its maps need " + total
                    + " bytes, over the bound of " + maxBytes + " bytes; the largest is map '"
                    + Native.mapName(largest) + "' (" + MapType.of((int) largestInfo[NativeLayout.MAP_DESCRIBE_TYPE])
                    + ", key " + largestInfo[NativeLayout.MAP_DESCRIBE_KEY_SIZE] + " B, value "
                    + largestInfo[NativeLayout.MAP_DESCRIBE_VALUE_SIZE] + " B, max_entries "
                    + largestInfo[NativeLayout.MAP_DESCRIBE_MAX_ENTRIES] + "): " + largestBytes + " bytes;"
                    + " raise OpenOptions.maxMapMemory if the object is trusted, else check its max_entries and"
                    + " section sizes");
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
                    long perCpu = saturatedMultiply(PerCpuLayout.stride(value), PerCpuLayout.possibleCpus());
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
     * Creates the maps and loads the programs into the kernel: {@link State#OPENED}
     * becomes {@link State#LOADED}.
     *
     * <p>On failure the object becomes {@link State#FAILED}: everything it holds
     * (fds, the libbpf object, arena mappings) is released before the exception
     * propagates, so {@code try (BpfObject o = BpfObject.open(x).load())}
     * leaks nothing when the load throws. A failed load cannot be retried
     * (libbpf marks the object loaded even then): a second {@code load()} throws
     * {@link IllegalStateException} naming the first failure. To try again,
     * open the object again.
     *
     * @return this object, now live
     * @throws BpfVerifierException if the verifier rejects a program (with its log); the object is failed
     * @throws BpfPermissionException without the privileges to load; the object is failed
     * @throws BpfException if the kernel or libbpf refuses the object for another reason; the object is failed
     * @throws IllegalStateException if the object is already loaded (it stays loaded), closed, or failed
     */
    public BpfObject load() {
        ensureNotFailed("load()");
        handle.acquire();
        Throwable thrown = null;
        try {
            synchronized (this) {
                ensureNotFailed("load()");
                if (state == State.LOADED) {
                    throw new IllegalStateException(handle + ".load(): already loaded; load() runs once per object");
                }
                if (state == State.CLOSED) { // close() came between acquire and this lock, and waits for us
                    throw new IllegalStateException(handle + " is closed");
                }
                try {
                    loadLocked();
                    state = State.LOADED;
                } catch (RuntimeException | Error e) {
                    // Before anything else can run: no second load, so no second arena preparation.
                    failure = e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
                    state = State.FAILED;
                    thrown = e;
                    throw e;
                }
            }
        } finally {
            handle.release();
            if (thrown != null) {
                closeAfterFailedLoad(thrown);
            }
        }
        return this;
    }

    /** After a failed load every method says so, rather than only "closed". */
    private void ensureNotFailed(String method) {
        if (state == State.FAILED) {
            throw new IllegalStateException("BpfObject '" + name + "'." + method + ": the object's load() failed ("
                    + failure + ") and released everything; open the object again to retry");
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    private void loadLocked() {
        for (BpfMap m : maps.values()) {
            if (m.type() == MapType.ARENA) {
                m.prepareArena();
            }
        }
        // libbpf never loads an object twice, even after a failure: an EMFILE can only be avoided, not retried.
        ResourcePressure.reserveForLoad(programs.size(), maps.size(), "bpf_object__load(" + name + ")");
        LibbpfLog.refresh();
        Map<String, String> programTypes = new HashMap<String, String>();
        for (Map.Entry<String, BpfProgram> p : programs.entrySet()) {
            programTypes.put(p.getKey(), p.getValue().type().name());
        }
        Errors.loading(programTypes);
        try {
            Native.objectLoad(pointer);
        } catch (BpfException e) {
            if (ResourcePressure.isFdPressure(e.errno())) {
                // Too late for this object; the next open and load find the fds of forgotten ones freed.
                ResourcePressure.relieve("bpf_object__load(" + name + ")", e.errno());
            }
            throw e;
        } finally {
            Errors.loaded();
        }
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

    /** True in {@link State#LOADED} only: false when opened, failed or closed. */
    public boolean isLoaded() {
        return state == State.LOADED;
    }

    /** Where the object is in its life: opened, loaded, failed (a load threw) or closed. Allowed after close. */
    public State state() {
        return state;
    }

    /** The object's maps, in ELF order, including libbpf's global-data maps (.bss, .data, .rodata). */
    public List<BpfMap> maps() {
        ensureNotFailed("maps()");
        handle.ensureOpen();
        return Collections.unmodifiableList(new ArrayList<BpfMap>(maps.values()));
    }

    /** @throws NoSuchElementException listing the maps that exist */
    public BpfMap map(String mapName) {
        ensureNotFailed("map()");
        handle.ensureOpen();
        BpfMap m = maps.get(mapName);
        if (m == null) {
            throw new NoSuchElementException(noSuch("map", mapName, maps.keySet()));
        }
        return m;
    }

    public List<BpfProgram> programs() {
        ensureNotFailed("programs()");
        handle.ensureOpen();
        return Collections.unmodifiableList(new ArrayList<BpfProgram>(programs.values()));
    }

    /** @throws NoSuchElementException listing the programs that exist */
    public BpfProgram program(String programName) {
        ensureNotFailed("program()");
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
        ensureNotFailed("setGlobal()");
        handle.acquire();
        try {
            synchronized (this) {
                if (state == State.LOADED) {
                    throw new IllegalStateException(handle + ".setGlobal(): the object is loaded: set initial values"
                            + " before load(),"
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
        ensureNotFailed("global()");
        handle.acquire();
        try {
            // CLOSED here means close() was called after this call acquired the handle: it waits for us.
            if (state == State.OPENED) {
                throw new IllegalStateException(handle + ".global(): the object is not loaded; call load() first");
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
     * The object's BTF (its types, and where each global lives in its data
     * section), as libbpf holds it after open: data sections sized and
     * variables placed. Parsed once; the same immutable {@link Btf} is
     * returned by later calls, also after load, and stays usable after the
     * object is closed (this method then throws, as every other does).
     *
     * @throws UnsupportedOperationException if the object has no BTF (it was compiled without {@code -g})
     */
    public Btf btf() {
        ensureNotFailed("btf()");
        handle.acquire();
        try {
            Btf parsed = btf;
            if (parsed != null) {
                return parsed;
            }
            byte[] raw = Native.objectBtf(pointer);
            if (raw == null) {
                throw new UnsupportedOperationException("BpfObject '" + name + "'.btf(): the object has no BTF;"
                        + " compile it with clang -g");
            }
            parsed = Btf.parse(raw);
            btf = parsed;
            return parsed;
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
        ensureNotFailed("dataMap()");
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
        synchronized (this) {
            // A load in flight holds this lock: it ends LOADED or FAILED first, and close() waits for it anyway.
            if (state != State.FAILED) {
                state = State.CLOSED;
            }
        }
        owner.close();
        // Let the detached ranges go as soon as the caller's own views are gone.
        for (BpfMap m : maps.values()) {
            m.forgetMapping();
        }
    }

    @Override
    public String toString() {
        return "BpfObject[" + name + ", " + state.name().toLowerCase(java.util.Locale.ROOT) + "]";
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
