/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfKeyExistsException;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.MapInfo;
import io.github.bpf4j.MapType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar bpf4j.jar map ...}: bpftool-style commands on a map that is
 * pinned or known by id, with keys and values as hex bytes in memory order.
 */
final class MapCommand {
    static final int OK = 0;
    /** The operation failed, or the key is not in the map. */
    static final int FAILED = 1;
    /** The command line is wrong: unknown command, bad hex, a key or value of the wrong size. */
    static final int USAGE = 2;

    static final String USAGE_TEXT = ""
            + "usage: java -jar bpf4j.jar map COMMAND\n"
            + "  map show   MAP\n"
            + "  map dump   MAP\n"
            + "  map lookup MAP key HEX...\n"
            + "  map update MAP key HEX... value HEX... [any|noexist|exist]\n"
            + "  map delete MAP key HEX...\n"
            + "MAP := PATH | ID | pinned PATH | id ID   (pinned in a BPF filesystem, or the kernel's map id)\n"
            + "HEX := the bytes as they lie in memory: 01 00 00 00, 0x01 0x00 0x00 0x00 or 01000000\n"
            + "Per-CPU maps: update takes one value for all CPUs, or every CPU's 8-byte-aligned slot.\n"
            + "Exit status: 0 done, 1 failed or key not found, 2 wrong command line.\n";

    private static final List<String> VERBS = Arrays.asList("show", "dump", "lookup", "update", "delete");
    private static final List<String> MODES = Arrays.asList("any", "noexist", "exist"); // index = BPF_ANY...

    /** A mistake on the command line (exit status 2). */
    private static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    /** One parsed command line. */
    private static final class Request {
        String verb;
        Integer id; // else path
        String path;
        byte[] key;
        byte[] value;
        long mode = BpfMap.UPDATE_ANY;
    }

    private MapCommand() {}

    /** Runs {@code map <args>}; returns the exit status. Never throws for bad input or failed calls. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE_TEXT);
            return USAGE;
        }
        if (args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(USAGE_TEXT);
            return OK;
        }
        String command = "bpf4j map " + args[0];
        try {
            Request r = parse(args);
            try (BpfMap map = r.id != null ? BpfMap.fromId(r.id) : io.github.bpf4j.Pins.openMap(Paths.get(r.path))) {
                return execute(r, map, out, err, command);
            }
        } catch (UsageError e) {
            err.println(command + ": " + e.getMessage());
            return USAGE;
        } catch (BpfKeyExistsException e) {
            err.println(command + ": the key exists already (noexist); use 'any' or 'exist' to replace it");
            return FAILED;
        } catch (BpfException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            err.println(command + ": " + oneLine(e.getMessage()));
            return FAILED;
        } catch (RuntimeException e) {
            err.println(command + " failed unexpectedly: " + oneLine(e.toString()));
            return FAILED;
        }
    }

    private static int execute(Request r, BpfMap map, PrintStream out, PrintStream err, String command) {
        switch (r.verb) {
            case "show":
                out.println(show(map.info()));
                return OK;
            case "dump":
                List<Map.Entry<byte[], byte[]>> entries = map.entries();
                for (Map.Entry<byte[], byte[]> e : entries) {
                    printEntry(out, map, e.getKey(), e.getValue());
                }
                out.println("Found " + entries.size() + (entries.size() == 1 ? " element" : " elements"));
                return OK;
            case "lookup": {
                byte[] key = checkKey(map, r.key);
                byte[] value = map.lookup(key);
                if (value == null) {
                    return notFound(err, command, key);
                }
                printEntry(out, map, key, value);
                return OK;
            }
            case "update": {
                byte[] key = checkKey(map, r.key);
                try {
                    map.update(key, checkValue(map, r.value), r.mode);
                } catch (BpfException e) {
                    if (e.errno() == Errors.ENOENT && r.mode == BpfMap.UPDATE_EXIST) {
                        return notFound(err, command, key);
                    }
                    throw e;
                }
                return OK;
            }
            default: { // delete
                byte[] key = checkKey(map, r.key);
                return map.delete(key) ? OK : notFound(err, command, key);
            }
        }
    }

    private static int notFound(PrintStream err, String command, byte[] key) {
        err.println(command + ": key not found: " + hex(key));
        return FAILED;
    }

    // ---- parsing

    private static Request parse(String[] args) {
        Request r = new Request();
        r.verb = args[0];
        if (!VERBS.contains(r.verb)) {
            throw new UsageError("unknown command; the commands are " + VERBS + " (run 'java -jar bpf4j.jar map' for"
                    + " usage)");
        }
        int i = 1;
        if (i < args.length && (args[i].equals("id") || args[i].equals("pinned"))) {
            if (i + 1 >= args.length) {
                throw new UsageError("'" + args[i] + "' needs a value");
            }
            if (args[i].equals("id")) {
                r.id = mapId(args[i + 1]);
                if (r.id == null) {
                    throw new UsageError("map id '" + args[i + 1] + "' is not a positive integer");
                }
            } else {
                r.path = args[i + 1];
            }
            i += 2;
        } else if (i < args.length) {
            r.id = mapId(args[i]);
            r.path = r.id == null ? args[i] : null;
            i++;
        } else {
            throw new UsageError("which map? give a pinned path or a map id");
        }
        boolean keyed = !r.verb.equals("show") && !r.verb.equals("dump");
        while (i < args.length) {
            String word = args[i++];
            if (keyed && word.equals("key") && r.key == null) {
                i = hexBytes(args, i, "key", r, true);
            } else if (r.verb.equals("update") && word.equals("value") && r.value == null) {
                i = hexBytes(args, i, "value", r, false);
            } else if (r.verb.equals("update") && MODES.contains(word) && i == args.length) {
                r.mode = MODES.indexOf(word);
            } else {
                throw new UsageError("unexpected '" + word + "' (run 'java -jar bpf4j.jar map' for usage)");
            }
        }
        if (keyed && r.key == null) {
            throw new UsageError("missing 'key HEX...'");
        }
        if (r.verb.equals("update") && r.value == null) {
            throw new UsageError("missing 'value HEX...'");
        }
        return r;
    }

    /** A positive integer, or null. */
    private static Integer mapId(String s) {
        if (!s.matches("[0-9]{1,10}")) {
            return null;
        }
        long id = Long.parseLong(s);
        return id > 0 && id <= Integer.MAX_VALUE ? Integer.valueOf((int) id) : null;
    }

    /** Reads hex tokens from {@code args[i]} up to the next keyword; returns the index after them. */
    private static int hexBytes(String[] args, int i, String what, Request r, boolean isKey) {
        if (i < args.length && args[i].equals("hex")) {
            i++; // bpftool's optional marker
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (i < args.length && !args[i].equals("key") && !args[i].equals("value") && !MODES.contains(args[i])) {
            parseHex(args[i++], what, bytes);
        }
        if (bytes.size() == 0) {
            throw new UsageError(what + " has no bytes: give them in hex, e.g. " + what + " 01 00 00 00");
        }
        if (isKey) {
            r.key = bytes.toByteArray();
        } else {
            r.value = bytes.toByteArray();
        }
        return i;
    }

    /** One token: {@code 1}, {@code 01}, {@code 0x01}, or several bytes at once: {@code 01000000}. */
    static void parseHex(String token, String what, ByteArrayOutputStream into) {
        String digits = token.startsWith("0x") || token.startsWith("0X") ? token.substring(2) : token;
        if (!digits.matches("[0-9a-fA-F]+")) {
            throw new UsageError(what + ": '" + token + "' is not hex bytes (e.g. 01, 0x01 or 01000000)");
        }
        if (digits.length() > 2 && digits.length() % 2 != 0) {
            throw new UsageError(what + ": '" + token + "' has an odd number of hex digits; write every byte as two");
        }
        if (digits.length() <= 2) {
            into.write(Integer.parseInt(digits, 16));
            return;
        }
        for (int d = 0; d < digits.length(); d += 2) {
            into.write(Integer.parseInt(digits.substring(d, d + 2), 16));
        }
    }

    private static byte[] checkKey(BpfMap map, byte[] key) {
        if (key.length != map.keySize()) {
            throw new UsageError("key has " + key.length + " bytes, but " + describe(map) + " needs " + map.keySize());
        }
        return key;
    }

    /** The value as update wants it; a per-CPU map's single value is copied to every CPU's slot. */
    private static byte[] checkValue(BpfMap map, byte[] value) {
        if (value.length == map.valueBufferSize()) {
            return value;
        }
        if (!map.type().isPerCpu()) {
            throw new UsageError("value has " + value.length + " bytes, but " + describe(map) + " needs "
                    + map.valueSize());
        }
        if (value.length != map.valueSize()) {
            throw new UsageError("value has " + value.length + " bytes, but " + describe(map) + " needs "
                    + map.valueSize() + " (for every CPU) or " + map.valueBufferSize() + " (8-byte-aligned slots"
                    + " for " + BpfMap.possibleCpus() + " CPUs)");
        }
        byte[] all = new byte[map.valueBufferSize()];
        for (int cpu = 0; cpu < BpfMap.possibleCpus(); cpu++) {
            System.arraycopy(value, 0, all, map.cpuSlotOffset(cpu), value.length);
        }
        return all;
    }

    // ---- formatting

    /** bpftool-like: {@code id 12  name counts  type ARRAY  key 4B  value 4B  max_entries 256  flags 0x0}. */
    static String show(MapInfo info) {
        StringBuilder s = new StringBuilder("id ").append(info.id());
        if (!info.name().isEmpty()) {
            s.append("  name ").append(info.name());
        }
        s.append("  type ").append(info.type() == MapType.UNKNOWN ? "unknown(" + info.typeId() + ")" : info.type());
        s.append("  key ").append(info.keySize()).append("B  value ").append(info.valueSize()).append('B');
        s.append("  max_entries ").append(info.maxEntries());
        s.append("  flags 0x").append(Integer.toHexString(info.flags()));
        if (info.mapExtra() != 0) {
            s.append("  map_extra 0x").append(Long.toHexString(info.mapExtra()));
        }
        if (info.btfId() != 0) {
            s.append("  btf_id ").append(info.btfId());
        }
        return s.toString();
    }

    /** {@code key: 01 00 00 00  value: d2 04 00 00}, or for per-CPU maps one {@code value (CPU n):} line each. */
    private static void printEntry(PrintStream out, BpfMap map, byte[] key, byte[] value) {
        if (!map.type().isPerCpu()) {
            out.println("key: " + hex(key) + "  value: " + hex(value));
            return;
        }
        out.println("key: " + hex(key));
        for (int cpu = 0; cpu < BpfMap.possibleCpus(); cpu++) {
            int at = map.cpuSlotOffset(cpu);
            out.println("value (CPU " + cpu + "): " + hex(Arrays.copyOfRange(value, at, at + map.valueSize())));
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

    private static String describe(BpfMap map) {
        return map.type() + " map '" + map.name() + "'";
    }

    /** Exception messages put the hint on a second line; the CLI says everything on one. */
    private static String oneLine(String message) {
        return String.valueOf(message).replaceAll("\\s*\\n\\s*", "; ");
    }
}
