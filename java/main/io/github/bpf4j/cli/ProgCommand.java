/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import io.github.bpf4j.Bpf4j;
import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.LinkInfo;
import io.github.bpf4j.LinkType;
import io.github.bpf4j.ProgramInfo;
import io.github.bpf4j.ProgramType;
import java.io.PrintStream;
import java.nio.file.Paths;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.TimeZone;

/**
 * {@code java -jar bpf4j.jar prog ...} and {@code link ...}: bpftool's prog and link commands on
 * programs and links known by id, pin or (programs) name: show/list, prog pin, link detach.
 */
final class ProgCommand {
    static final String PROG_USAGE = ""
            + "Usage: java -jar bpf4j.jar prog { show | list } [PROG]\n"
            + "       java -jar bpf4j.jar prog pin   PROG FILE\n"
            + "       java -jar bpf4j.jar prog help\n"
            + "\n"
            + "       PROG := { id PROG_ID | pinned FILE | name PROG_NAME }\n"
            + "       OPTIONS := { {-j|--json} }\n"
            + "Without PROG, show lists every program. run_time_ns and run_cnt are shown while BPF\n"
            + "statistics are on (Bpf4j.enableStats, or sysctl kernel.bpf_stats_enabled=1).\n"
            + "Exit status: 0 done, 1 failed, 2 wrong command line.\n";
    static final String LINK_USAGE = ""
            + "Usage: java -jar bpf4j.jar link { show | list } [LINK]\n"
            + "       java -jar bpf4j.jar link detach LINK\n"
            + "       java -jar bpf4j.jar link help\n"
            + "\n"
            + "       LINK := { id LINK_ID | pinned FILE }\n"
            + "       OPTIONS := { {-j|--json} }\n"
            + "Without LINK, show lists every link. detach stops the program (BPF_LINK_DETACH) while the\n"
            + "link and its pins stay.\n"
            + "Exit status: 0 done, 1 failed, 2 wrong command line.\n";

    private static final String[] PROG_VERBS = {"show", "list", "help", "pin"};
    private static final String[] LINK_VERBS = {"show", "list", "help", "detach"};

    private ProgCommand() {}

    static int prog(String[] args, Main.Options options, PrintStream out, PrintStream err) {
        String verb = args.length == 0 ? "show" : Main.match(args[0], PROG_VERBS);
        String command = "bpf4j prog " + (verb == null ? args[0] : verb);
        try {
            if (options.help || "help".equals(verb)) {
                if (args.length > 1) {
                    throw new MapCommand.UsageError("unexpected argument '" + args[1] + "'");
                }
                out.print(PROG_USAGE);
                return Main.OK;
            }
            if (verb == null) {
                throw new MapCommand.UsageError("unknown command '" + args[0] + "'; the commands are show, list, pin,"
                        + " help");
            }
            if ((verb.equals("show") || verb.equals("list")) && args.length <= 1) {
                CommandOutput.print(out, options.json, Bpf4j.programs(), ProgCommand::json, ProgCommand::text);
                return Main.OK;
            }
            if (args.length < 3) {
                throw new MapCommand.UsageError("which program? PROG := { id PROG_ID | pinned FILE | name PROG_NAME }");
            }
            String kind = args[1];
            String value = args[2];
            if (verb.equals("pin")) {
                if (args.length != 4) {
                    throw new MapCommand.UsageError(args.length < 4 ? "pin where? expected PROG FILE"
                            : "unexpected argument '" + args[4] + "'");
                }
                if (kind.equals("name")) {
                    throw new MapCommand.UsageError("pin takes one program: PROG := { id PROG_ID | pinned FILE }");
                }
                try (BpfProgram p = open(kind, value)) {
                    p.pin(Paths.get(args[3]));
                }
                if (options.json) {
                    out.println("null"); // bpftool prints a JSON null for commands without output
                }
                return Main.OK;
            }
            if (args.length > 3) {
                throw new MapCommand.UsageError("unexpected argument '" + args[3] + "'");
            }
            List<ProgramInfo> infos = new ArrayList<ProgramInfo>();
            if (kind.equals("name")) {
                for (ProgramInfo i : Bpf4j.programs()) {
                    if (i.name().equals(value)) {
                        infos.add(i);
                    }
                }
                if (infos.isEmpty()) {
                    throw new IllegalArgumentException("no program is named '" + value + "'");
                }
                CommandOutput.print(out, options.json, infos, ProgCommand::json, ProgCommand::text);
                return Main.OK;
            }
            try (BpfProgram p = open(kind, value)) {
                ProgramInfo info = p.info();
                if (options.json) {
                    out.println(json(new Json(), info).toString());
                } else {
                    out.print(text(info));
                }
            }
            return Main.OK;
        } catch (MapCommand.UsageError e) {
            return CommandOutput.usageError(out, err, options, command, e.getMessage(), "prog");
        } catch (BpfException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            return CommandOutput.failed(out, err, options, command, Main.oneLine(e.getMessage()));
        }
    }

    static int link(String[] args, Main.Options options, PrintStream out, PrintStream err) {
        String verb = args.length == 0 ? "show" : Main.match(args[0], LINK_VERBS);
        String command = "bpf4j link " + (verb == null ? args[0] : verb);
        try {
            if (options.help || "help".equals(verb)) {
                if (args.length > 1) {
                    throw new MapCommand.UsageError("unexpected argument '" + args[1] + "'");
                }
                out.print(LINK_USAGE);
                return Main.OK;
            }
            if (verb == null) {
                throw new MapCommand.UsageError("unknown command '" + args[0] + "'; the commands are show, list,"
                        + " detach, help");
            }
            if ((verb.equals("show") || verb.equals("list")) && args.length <= 1) {
                CommandOutput.print(out, options.json, Bpf4j.links(), ProgCommand::linkJson,
                        ProgCommand::linkText);
                return Main.OK;
            }
            if (args.length < 3) {
                throw new MapCommand.UsageError("which link? LINK := { id LINK_ID | pinned FILE }");
            }
            if (args.length > 3) {
                throw new MapCommand.UsageError("unexpected argument '" + args[3] + "'");
            }
            try (BpfLink link = openLink(args[1], args[2])) {
                if (verb.equals("detach")) {
                    link.detach();
                    if (options.json) {
                        out.println("null");
                    }
                    return Main.OK;
                }
                LinkInfo info = link.info();
                if (options.json) {
                    out.println(linkJson(new Json(), info).toString());
                } else {
                    out.print(linkText(info));
                }
            }
            return Main.OK;
        } catch (MapCommand.UsageError e) {
            return CommandOutput.usageError(out, err, options, command, e.getMessage(), "link");
        } catch (BpfException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            return CommandOutput.failed(out, err, options, command, Main.oneLine(e.getMessage()));
        }
    }

    private static BpfProgram open(String kind, String value) {
        if (kind.equals("id")) {
            return BpfProgram.fromId(id(value, "PROG_ID"));
        }
        if (kind.equals("pinned")) {
            return BpfProgram.openPinned(Paths.get(value));
        }
        throw new MapCommand.UsageError("expected 'id', 'pinned' or 'name', got '" + kind + "'");
    }

    private static BpfLink openLink(String kind, String value) {
        if (kind.equals("id")) {
            return BpfLink.fromId(id(value, "LINK_ID"));
        }
        if (kind.equals("pinned")) {
            return BpfLink.openPinned(Paths.get(value));
        }
        throw new MapCommand.UsageError("expected 'id' or 'pinned', got '" + kind + "'");
    }

    private static int id(String value, String what) {
        try {
            int id = Integer.parseInt(value);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new MapCommand.UsageError(what + " must be a positive number, got '" + value + "'");
    }

    // ---- formatting, after bpftool's prog show / link show

    static String typeName(ProgramInfo info) {
        return info.type() == ProgramType.UNKNOWN ? "type " + info.typeId()
                : info.type().name().toLowerCase(Locale.ROOT);
    }

    private static String loadedAt(ProgramInfo info) {
        SimpleDateFormat f = new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ssZ", Locale.ROOT);
        f.setTimeZone(TimeZone.getDefault());
        return f.format(new Date(info.loadedAtMillis()));
    }

    /**
     * <pre>
     * 12: xdp  name pass_a  tag 3b185187f1855c4c  gpl
     * 	loaded_at 2026-12-02T06:33:01+0000  uid 0
     * 	xlated 16B  jited 18B  map_ids 4,5
     * 	btf_id 7
     * </pre>
     */
    static String text(ProgramInfo info) {
        StringBuilder s = new StringBuilder().append(info.id()).append(": ").append(typeName(info));
        if (!info.name().isEmpty()) {
            s.append("  name ").append(info.name());
        }
        s.append("  tag ").append(info.tag());
        if (info.gplCompatible()) {
            s.append("  gpl");
        }
        if (info.runCount() != 0 || info.runTimeNanos() != 0) {
            s.append("  run_time_ns ").append(info.runTimeNanos()).append("  run_cnt ").append(info.runCount());
        }
        s.append("\n\tloaded_at ").append(loadedAt(info)).append("  uid ").append(info.uid()).append('\n');
        s.append("\txlated ").append(info.translatedSize()).append('B');
        if (info.jitedSize() > 0) {
            s.append("  jited ").append(info.jitedSize()).append('B');
        } else {
            s.append("  not jited");
        }
        int[] maps = info.mapIds();
        if (maps.length > 0) {
            s.append("  map_ids ");
            for (int i = 0; i < maps.length; i++) {
                s.append(i == 0 ? "" : ",").append(maps[i]);
            }
        }
        s.append('\n');
        if (info.btfId() != 0) {
            s.append("\tbtf_id ").append(info.btfId()).append('\n');
        }
        return s.toString();
    }

    /** bpftool's JSON fields: id, type, name, tag, gpl_compatible, (run_time_ns, run_cnt), loaded_at, uid, bytes_xlated, jited, bytes_jited, map_ids, btf_id. */
    static Json json(Json j, ProgramInfo info) {
        j.object().field("id", info.id());
        if (info.type() == ProgramType.UNKNOWN) {
            j.field("type", info.typeId());
        } else {
            j.field("type", typeName(info));
        }
        if (!info.name().isEmpty()) {
            j.field("name", info.name());
        }
        j.field("tag", info.tag()).field("gpl_compatible", info.gplCompatible());
        if (info.runCount() != 0 || info.runTimeNanos() != 0) {
            j.field("run_time_ns", info.runTimeNanos()).field("run_cnt", info.runCount());
        }
        j.field("loaded_at", info.loadedAtMillis() / 1000).field("uid", info.uid())
                .field("bytes_xlated", info.translatedSize()).field("jited", info.jitedSize() > 0);
        if (info.jitedSize() > 0) {
            j.field("bytes_jited", info.jitedSize());
        }
        j.key("map_ids").array();
        for (int id : info.mapIds()) {
            j.num(id);
        }
        j.close();
        if (info.btfId() != 0) {
            j.field("btf_id", info.btfId());
        }
        return j.close();
    }

    static String linkTypeName(LinkInfo info) {
        return info.type() == LinkType.UNKNOWN ? "type " + info.typeId() : info.type().name().toLowerCase(Locale.ROOT);
    }

    /**
     * <pre>
     * 7: perf_event  prog 12
     * 	tracepoint sys_enter_write
     * </pre>
     */
    static String linkText(LinkInfo info) {
        return info.id() + ": " + linkTypeName(info) + "  prog " + info.programId() + "\n\t" + info.target() + "\n";
    }

    /** id, type, prog_id, and the fields the link's type reports (attach_type, ifindex, cgroup_id, name, path, ...). */
    static Json linkJson(Json j, LinkInfo info) {
        j.object().field("id", info.id()).field("type", linkTypeName(info)).field("prog_id", info.programId());
        if (info.attachType() != null) {
            j.field("attach_type", info.attachType());
        }
        if (info.perfEventType() != null) {
            j.field("event_type", info.perfEventType());
        }
        if (info.name() != null) {
            j.field("name", info.name());
        }
        if (info.path() != null) {
            j.field("path", info.path());
        }
        long[][] numbers = {{info.ifindex()}, {info.cgroupId()}, {info.netnsInode()}, {info.targetObjectId()},
                {info.targetBtfId()}, {info.mapId()}, {info.offset()}, {info.cookie()}, {info.pid()}, {info.tid()}};
        String[] names = {"ifindex", "cgroup_id", "netns_ino", "target_obj_id", "target_btf_id", "map_id", "offset",
                "cookie", "pid", "tid"};
        for (int i = 0; i < names.length; i++) {
            if (numbers[i][0] != 0) {
                j.field(names[i], numbers[i][0]);
            }
        }
        return j.close();
    }
}
