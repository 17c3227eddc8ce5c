/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

/** Java source with four-space indentation and {@code \n} line ends, whatever the platform. */
final class Source {
    private final StringBuilder text = new StringBuilder();
    private int depth;

    Source line(String line) {
        if (!line.isEmpty()) {
            for (int i = 0; i < depth; i++) {
                text.append("    ");
            }
            text.append(line);
        }
        text.append('\n');
        return this;
    }

    Source blank() {
        return line("");
    }

    /** {@code head {} and one level deeper. */
    Source open(String head) {
        line(head + " {");
        depth++;
        return this;
    }

    Source close() {
        return close("");
    }

    /** {@code }} followed by {@code tail} (e.g. {@code ;} or {@code )}). */
    Source close(String tail) {
        depth--;
        return line("}" + tail);
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
