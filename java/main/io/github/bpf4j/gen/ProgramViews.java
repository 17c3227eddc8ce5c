/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import io.github.bpf4j.ProgramType;
import io.github.bpf4j.gen.SkeletonGenerator.ProgramModel;
import java.util.List;

/** The skeleton's {@code Programs} class: each program and the attach methods its section allows. */
final class ProgramViews {
    /** libbpf section prefixes that bpf_program__attach attaches by themselves when they name a target. */
    private static final String[] AUTO_ATTACH = {"tp/", "tracepoint/", "raw_tp/", "raw_tracepoint/", "raw_tp.w/",
        "raw_tracepoint.w/", "tp_btf/", "fentry/", "fexit/", "fmod_ret/", "fentry.s/", "fexit.s/", "fmod_ret.s/",
        "lsm/", "lsm.s/", "kprobe/", "kretprobe/", "ksyscall/", "kretsyscall/", "kprobe.multi/", "kretprobe.multi/",
        "kprobe.session/", "uprobe/", "uretprobe/", "uprobe.s/", "uretprobe.s/", "uprobe.multi/", "uretprobe.multi/",
        "uprobe.multi.s/", "uretprobe.multi.s/", "usdt/", "usdt.s/", "iter/", "iter.s/"};

    private ProgramViews() {}

    static void write(Source s, String programsClass, List<ProgramModel> programs, String[] reserved) {
        s.blank();
        s.line("/** The object's programs, each with the attach methods its section allows. */");
        s.open("public final class " + programsClass);
        s.open("private " + programsClass + "()");
        s.close();
        JavaNames.Scope names = new JavaNames.Scope(reserved);
        for (ProgramModel p : programs) {
            String base = names.claimWithPrefix(JavaNames.pascal(p.name), "Attach");
            String method = JavaNames.camel(base);
            String attach = "attach" + base;
            String doc = "{@code SEC(\"" + JavaNames.comment(p.section).replace("\\", "\\\\") + "\") " + p.name
                    + "} (" + p.type + ")";
            s.blank();
            s.line("/** " + doc + ". */");
            s.open("public BpfProgram " + method + "()");
            s.line("return object.program(" + JavaNames.literal(p.name) + ");");
            s.close();
            s.blank();
            s.line("/** Attaches " + doc + " to {@code point}; close the link to detach. */");
            s.open("public BpfLink " + attach + "(AttachPoint point)");
            s.line("return " + method + "().attach(point);");
            s.close();
            if (autoAttaches(p.section)) {
                s.blank();
                s.line("/** Attaches " + doc + " where its section names; close the link to detach. */");
                s.open("public BpfLink " + attach + "()");
                s.line("return " + method + "().attach();");
                s.close();
            }
            if (p.type == ProgramType.XDP) {
                s.blank();
                s.line("/** Attaches " + doc + " to a network interface as a BPF link; close the link to detach. */");
                s.open("public BpfLink " + attach + "(String interfaceName)");
                s.line("return " + method + "().attach(Xdp.on(interfaceName));");
                s.close();
            }
        }
        s.close();
    }

    static boolean autoAttaches(String section) {
        for (String prefix : AUTO_ATTACH) {
            if (section.startsWith(prefix) && section.length() > prefix.length()) {
                return true;
            }
        }
        return false;
    }
}
