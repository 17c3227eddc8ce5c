/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.MapInfo;
import io.github.bpf4j.MapType;
import io.github.bpf4j.Pins;
import io.github.bpf4j.UpdateMode;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Native;
import java.io.PrintStream;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code java -jar bpf4j.jar map ...}: bpftool's map commands and syntax
 * ({@code bpftool map help}) on maps known by id, pin or name, with keys and
 * values as bytes in memory order.
 */
final class MapCommand {
    static final String USAGE_TEXT = ""
            + "Usage: java -jar bpf4j.jar map { show | list }   [MAP]\n"
            + "       java -jar bpf4j.jar map dump       MAP\n"
            + "       java -jar bpf4j.jar map lookup     MAP  key DATA\n"
            + "       java -jar bpf4j.jar map update     MAP  key DATA  value DATA  [UPDATE_FLAGS]\n"
            + "       java -jar bpf4j.jar map delete     MAP  key DATA\n"
            + "       java -jar bpf4j.jar map help\n"
            + "\n"
            + "       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }\n"
            + "       DATA := { [hex] BYTES }\n"
            + "       UPDATE_FLAGS := { any | exist | noexist }\n"
            + "       OPTIONS := { {-j|--json} }\n"
            + "BYTES: exactly the key's or value's size, one byte a word, as bpftool reads them: decimal (10),\n"
            + "0x-prefixed hex (0x0a) or 0-prefixed octal (012); after 'hex', every word is hex (0a). A per-CPU\n"
            + "map's value is given once and written to every CPU. Without MAP, show lists every map.\n"
            + "Exit status: 0 done, 1 failed or key not found, 2 wrong command line.\n";

    /** bpftool's command table order: a prefix picks the first match. */
    private static final String[] VERBS = {"show", "list", "help", "dump", "update", "lookup", "delete"};
    private static final String[] MODES = {"any", "noexist", "exist"}; // index = BPF_ANY, BPF_NOEXIST, BPF_EXIST

    /** A mistake on the command line (exit status 2). */
    static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    /** How a map is named on the command line. */
    private static final class Handle {
        final String kind; // id, pinned, name
        final String value;
        final int id;

        Handle(String kind, String value, int id) {
            this.kind = kind;
            this.value = value;
            this.id = id;
        }
    }

    private MapCommand() {}

    /** Runs {@code map <args>}; returns the exit status. Never throws for bad input or failed calls. */
    static int run(String[] args, Main.Options options, PrintStream out, PrintStream err) {
        String verb = args.length == 0 ? "show" : Main.match(args[0], VERBS); // bpftool: 'map' alone is 'map show'
        String command = "bpf4j map " + (verb == null ? args[0] : verb);
        if (options.help || "help".equals(verb)) {
            if (args.length > 1) {
                return CommandOutput.usageError(out, err, options, command,
                        "unexpected argument '" + args[1] + "'", "map");
            }
            out.print(USAGE_TEXT);
            return Main.OK;
        }
        try {
            if (verb == null) {
                throw new UsageError("unknown command '" + args[0] + "'; the commands are show, list, dump, lookup,"
                        + " update, delete, help");
            }
            int i = 1;
            if (verb.equals("show") || verb.equals("list")) {
                if (args.length <= 1) {
                    return showAll(out, options.json);
                }
            }
            if (i >= args.length) {
                throw new UsageError("which map? MAP := { id MAP_ID | pinned FILE | name MAP_NAME }");
            }
            Handle h = handle(args, i);
            i += 2;
            List<String> rest = Arrays.asList(args).subList(i, args.length);
            if ((verb.equals("show") || verb.equals("list") || verb.equals("dump")) && !rest.isEmpty()) {
                throw new UsageError("unexpected argument '" + rest.get(0) + "'");
            }
            if (verb.equals("show") || verb.equals("list")) {
                return show(h, out, options.json);
            }
            try (BpfMap map = open(h)) {
                return execute(verb, map, rest, out, err, command, options.json);
            }
        } catch (UsageError e) {
            return CommandOutput.usageError(out, err, options, command, e.getMessage(), "map");
        } catch (BpfException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            return CommandOutput.failed(out, err, options, command, Main.oneLine(e.getMessage()));
        } catch (RuntimeException e) {
            return CommandOutput.failed(out, err, options, command,
                    "failed unexpectedly: " + Main.oneLine(e.toString()));
        }
    }

    private static int execute(String verb, BpfMap map, List<String> rest, PrintStream out, PrintStream err,
            String command, boolean json) {
        if (verb.equals("dump")) {
            List<Map.Entry<byte[], byte[]>> entries = map.entries();
            if (json) {
                Json j = new Json().array();
                for (Map.Entry<byte[], byte[]> e : entries) {
                    entryJson(j, map, e.getKey(), e.getValue());
                }
                out.println(j.end());
                return Main.OK;
            }
            for (Map.Entry<byte[], byte[]> e : entries) {
                printEntry(out, map, e.getKey(), e.getValue());
            }
            out.println("Found " + entries.size() + (entries.size() == 1 ? " element" : " elements"));
            return Main.OK;
        }
        int i = 0;
        byte[] key = null;
        byte[] value = null;
        int mode = -1;
        while (i < rest.size()) {
            String word = rest.get(i);
            if (Main.match(word, "key") != null) {
                if (key != null) {
                    throw new UsageError("duplicate key");
                }
                key = new byte[map.keySize()];
                i = parseBytes(rest, i + 1, "key", key);
            } else if (verb.equals("update") && Main.match(word, "value") != null) {
                if (value != null) {
                    throw new UsageError("duplicate value");
                }
                value = new byte[map.valueSize()];
                i = parseBytes(rest, i + 1, "value", value);
            } else if (verb.equals("update") && value != null && mode < 0
                    && Main.match(word, "any", "exist", "noexist") != null) { // bpftool's order of is_prefix checks
                mode = Arrays.asList(MODES).indexOf(Main.match(word, "any", "exist", "noexist"));
                i++;
            } else {
                throw new UsageError("unexpected argument '" + word + "'");
            }
        }
        if (key == null) {
            throw new UsageError("did not find key");
        }
        if (verb.equals("update") && value == null) {
            throw new UsageError("did not find value");
        }
        switch (verb) {
            case "lookup": {
                byte[] found = map.lookup(key);
                if (found == null) {
                    return notFound(out, err, json, command, key);
                }
                if (json) {
                    out.println(entryText(map, key, found));
                } else {
                    printEntry(out, map, key, found);
                }
                return Main.OK;
            }
            case "update":
                UpdateMode updateMode = mode < 0 ? UpdateMode.ANY : UpdateMode.values()[mode];
                if (!update(map, key, value, updateMode)) {
                    if (updateMode == UpdateMode.NO_EXIST) {
                        return refused(out, err, json, command, "key exists already (noexist): " + hex(key) + "; use 'any' or 'exist' to replace it");
                    }
                    return notFound(out, err, json, command, key);
                }
                if (json) {
                    out.println("null");
                }
                return Main.OK;
            default: // delete
                if (!map.delete(key)) {
                    return notFound(out, err, json, command, key);
                }
                if (json) {
                    out.println("null");
                }
                return Main.OK;
        }
    }

    /** False when the mode's precondition failed: the key is absent ('exist') or present ('noexist'). */
    private static boolean update(BpfMap map, byte[] key, byte[] value, UpdateMode mode) {
        byte[] all = value;
        if (map.type().isPerCpu()) { // bpftool's fill_per_cpu_value: the one value on every CPU
            all = new byte[map.valueBufferSize()];
            for (int cpu = 0; cpu < BpfMap.possibleCpus(); cpu++) {
                System.arraycopy(value, 0, all, map.cpuSlotOffset(cpu), value.length);
            }
        }
        return map.update(key, all, mode);
    }

    private static int notFound(PrintStream out, PrintStream err, boolean json, String command, byte[] key) {
        return refused(out, err, json, command, "key not found: " + hex(key));
    }

    private static int refused(PrintStream out, PrintStream err, boolean json, String command, String message) {
        if (json) {
            out.println(new Json().object().field("error", message).end());
        } else {
            err.println(command + ": " + message);
        }
        return Main.FAILED;
    }

    // ---- parsing

    private static Handle handle(String[] args, int i) {
        String kind = Main.match(args[i], "id", "pinned", "name");
        if (kind == null) {
            throw new UsageError("expected 'id', 'pinned' or 'name', got '" + args[i] + "'");
        }
        if (i + 1 >= args.length) {
            throw new UsageError("'" + kind + "' needs a value");
        }
        String v = args[i + 1];
        if (kind.equals("id")) {
            if (!v.matches("[0-9]{1,10}") || Long.parseLong(v) < 1 || Long.parseLong(v) > Integer.MAX_VALUE) {
                throw new UsageError("map id '" + v + "' is not a map id (1 to " + Integer.MAX_VALUE + ")");
            }
            return new Handle(kind, v, Integer.parseInt(v));
        }
        if (v.isEmpty()) {
            throw new UsageError("'" + kind + "' needs a non-empty value");
        }
        return new Handle(kind, v, 0);
    }

    /**
     * bpftool's parse_bytes: an optional {@code hex}, then exactly
     * {@code into.length} words, each one byte. Returns the index after them.
     */
    static int parseBytes(List<String> words, int i, String what, byte[] into) {
        boolean hex = i < words.size() && Main.match(words.get(i), "hex") != null;
        if (hex) {
            i++;
        }
        int n = 0;
        while (n < into.length && i < words.size()) {
            into[n++] = parseByte(words.get(i++), hex, what);
        }
        if (n != into.length) {
            throw new UsageError(what + " expected " + into.length + " bytes got " + n);
        }
        return i;
    }

    /**
     * One byte as bpftool's strtoul(word, base 0, or 16 after 'hex') reads
     * it, except that a value over 255 (which bpftool truncates) or a sign is
     * an error, not a different byte.
     */
    static byte parseByte(String word, boolean hex, String what) {
        int value;
        if (hex ? word.matches("(0[xX])?[0-9a-fA-F]+") : word.matches("0[xX][0-9a-fA-F]+")) {
            value = parse(word.replaceFirst("^0[xX]", ""), 16);
        } else if (!hex && word.matches("0[0-7]*")) {
            value = parse(word, 8);
        } else if (!hex && word.matches("[1-9][0-9]*")) {
            value = parse(word, 10);
        } else {
            throw new UsageError(what + ": error parsing byte: '" + word + "'" + (hex ? " is not hex"
                    : " (bytes are decimal, 0x-prefixed hex or 0-prefixed octal; write 'hex' first for bare hex)"));
        }
        if (value > 255) {
            throw new UsageError(what + ": '" + word + "' is more than a byte (0 to 255)");
        }
        return (byte) value;
    }

    private static int parse(String digits, int radix) {
        // Leading zeros cannot overflow; anything longer than 9 significant digits is over 255 anyway.
        String d = digits.replaceFirst("^0+(?=.)", "");
        return d.length() > 9 ? 256 : Integer.parseInt(d, radix);
    }

    // ---- maps by handle

    private static BpfMap open(Handle h) {
        if (h.kind.equals("id")) {
            return BpfMap.fromId(h.id);
        }
        if (h.kind.equals("pinned")) {
            return Pins.openMap(Paths.get(h.value));
        }
        List<Integer> ids = idsNamed(h.value);
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("no map is named '" + h.value + "'");
        }
        if (ids.size() > 1) {
            throw new IllegalArgumentException("several maps match name '" + h.value + "' (ids " + ids + "); use"
                    + " 'id MAP_ID'");
        }
        return BpfMap.fromId(ids.get(0));
    }

    /** Every map id, as bpftool walks them; a refusal (no CAP_SYS_ADMIN) is an error, not an empty list. */
    private static List<Integer> allIds() {
        List<Integer> ids = new ArrayList<Integer>();
        Native.ensureLoaded();
        int id = 0;
        while (true) {
            int next = Native.mapNextId(id);
            if (next == -Errors.ENOENT) {
                return ids; // past the last id
            }
            if (next < 0) {
                throw Errors.of(Errors.Op.BY_ID, "bpf_map_get_next_id(" + id + ")", -next, null);
            }
            ids.add(next);
            id = next;
        }
    }

    /**
     * Maps that disappear or may not be opened while listing are skipped, as bpftool does; but when none
     * matches and some could not be opened, the first refusal is the answer, not "no such map".
     */
    private static List<Integer> idsNamed(String name) {
        List<Integer> ids = new ArrayList<Integer>();
        List<String> problems = new ArrayList<String>();
        for (MapInfo info : infos(allIds(), problems)) {
            if (info.name().equals(name)) {
                ids.add(info.id());
            }
        }
        if (ids.isEmpty() && !problems.isEmpty()) {
            throw new IllegalStateException("no map named '" + name + "' among those this process may open; "
                    + problems.get(0));
        }
        return ids;
    }

    private static List<MapInfo> infos(List<Integer> ids, List<String> problems) {
        List<MapInfo> infos = new ArrayList<MapInfo>();
        for (int id : ids) {
            try (BpfMap m = BpfMap.fromId(id)) {
                infos.add(m.info());
            } catch (BpfException e) {
                if (problems != null && e.errno() != 2) {
                    problems.add("map id " + id + ": " + Main.oneLine(e.getMessage()));
                }
            }
        }
        return infos;
    }

    private static int showAll(PrintStream out, boolean json) {
        List<String> problems = new ArrayList<String>();
        List<MapInfo> infos = infos(allIds(), problems);
        if (infos.isEmpty() && !problems.isEmpty()) {
            throw new IllegalStateException(problems.get(0));
        }
        CommandOutput.print(out, json, infos, MapCommand::showJson, MapCommand::show);
        return Main.OK;
    }

    private static int show(Handle h, PrintStream out, boolean json) {
        List<MapInfo> infos = new ArrayList<MapInfo>();
        if (h.kind.equals("name")) {
            infos.addAll(infos(idsNamed(h.value), null));
            if (infos.isEmpty()) {
                throw new IllegalArgumentException("no map is named '" + h.value + "'");
            }
        } else {
            try (BpfMap map = open(h)) {
                infos.add(map.info());
            }
        }
        if (json && infos.size() == 1 && !h.kind.equals("name")) {
            out.println(showJson(new Json(), infos.get(0)).toString());
            return Main.OK;
        }
        CommandOutput.print(out, json, infos, MapCommand::showJson, MapCommand::show);
        return Main.OK;
    }

    // ---- formatting

    /** libbpf's name for a map type (bpftool's), e.g. {@code percpu_array}; {@code type N} if unknown. */
    static String typeName(MapInfo info) {
        return info.type() == MapType.UNKNOWN ? "type " + info.typeId() : info.type().name().toLowerCase(Locale.ROOT);
    }

    /**
     * bpftool's plain {@code map show}:
     * <pre>
     * 12: array  name counts  flags 0x0
     * 	key 4B  value 4B  max_entries 256
     * </pre>
     * then {@code map_extra} and {@code btf_id} where they are set.
     */
    static String show(MapInfo info) {
        StringBuilder s = new StringBuilder().append(info.id()).append(": ").append(typeName(info));
        if (!info.name().isEmpty()) {
            s.append("  name ").append(info.name());
        }
        s.append("  flags 0x").append(Integer.toHexString(info.flagBits())).append('\n');
        s.append("\tkey ").append(info.keySize()).append("B  value ").append(info.valueSize()).append('B');
        s.append("  max_entries ").append(info.maxEntries());
        if (info.mapExtra() != 0) {
            s.append("  map_extra 0x").append(Long.toHexString(info.mapExtra()));
        }
        s.append('\n');
        if (info.btfId() != 0) {
            s.append("\tbtf_id ").append(info.btfId()).append('\n');
        }
        return s.toString();
    }

    /** bpftool's JSON fields: id, type, name, flags, bytes_key, bytes_value, max_entries (map_extra, btf_id). */
    private static Json showJson(Json j, MapInfo info) {
        j.object().field("id", info.id());
        if (info.type() == MapType.UNKNOWN) {
            j.field("type", info.typeId());
        } else {
            j.field("type", typeName(info));
        }
        if (!info.name().isEmpty()) {
            j.field("name", info.name());
        }
        j.field("flags", info.flagBits() & 0xffffffffL).field("bytes_key", info.keySize())
                .field("bytes_value", info.valueSize()).field("max_entries", info.maxEntries() & 0xffffffffL);
        if (info.mapExtra() != 0) {
            j.field("map_extra", info.mapExtra());
        }
        if (info.btfId() != 0) {
            j.field("btf_id", info.btfId());
        }
        return j.close();
    }

    /** bpftool's {"key": [...], "value": [...]}, or for per-CPU maps {"key": [...], "values": [{"cpu": n, "value": [...]}]}. */
    private static Json entryJson(Json j, BpfMap map, byte[] key, byte[] value) {
        j.object().key("key").bytes(key, 0, key.length);
        if (!map.type().isPerCpu()) {
            j.key("value").bytes(value, 0, value.length);
        } else {
            j.key("values").array();
            for (int cpu = 0; cpu < BpfMap.possibleCpus(); cpu++) {
                int at = map.cpuSlotOffset(cpu);
                j.object().field("cpu", cpu).key("value").bytes(value, at, at + map.valueSize()).close();
            }
            j.close();
        }
        return j.close();
    }

    private static String entryText(BpfMap map, byte[] key, byte[] value) {
        return entryJson(new Json(), map, key, value).toString();
    }

    /**
     * bpftool's plain entry: {@code key: 01 00 00 00  value: d2 04 00 00} on one
     * line when key and value are small (at most 16 bytes each, 24 together),
     * else {@code key:} and {@code value:} each followed by a line of bytes; per-CPU
     * maps print {@code key:}, the key's line, then {@code value (CPU 00): ...} per CPU.
     */
    private static void printEntry(PrintStream out, BpfMap map, byte[] key, byte[] value) {
        if (!map.type().isPerCpu()) {
            boolean breakNames = key.length > 16 || value.length > 16;
            if (!breakNames && key.length + value.length <= 24) {
                out.println("key: " + hex(key) + "  value: " + hex(value));
            } else {
                out.println("key:" + (breakNames ? "\n" : " ") + hex(key));
                out.println("value:" + (breakNames ? "\n" : " ") + hex(value));
            }
            return;
        }
        out.println("key:");
        out.println(hex(key));
        for (int cpu = 0; cpu < BpfMap.possibleCpus(); cpu++) {
            int at = map.cpuSlotOffset(cpu);
            out.println(String.format("value (CPU %02d):%c", cpu, map.valueSize() > 16 ? '\n' : ' ')
                    + hex(Arrays.copyOfRange(value, at, at + map.valueSize())));
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length * 3);
        for (byte b : bytes) {
            if (s.length() > 0) {
                s.append(' ');
            }
            s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return s.toString();
    }
}
