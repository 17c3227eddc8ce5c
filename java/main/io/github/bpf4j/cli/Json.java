/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import java.util.Collection;

/** A minimal JSON writer for the CLI's -j output: objects, arrays, strings, numbers, booleans; one line. */
final class Json {
    private final StringBuilder s = new StringBuilder();
    /** Per nesting level: whether a value was written (a comma is due). */
    private final boolean[] started = new boolean[16];
    private final char[] closers = new char[16];
    private int depth;

    Json object() {
        value();
        s.append('{');
        started[++depth] = false;
        closers[depth] = '}';
        return this;
    }

    Json array() {
        value();
        s.append('[');
        started[++depth] = false;
        closers[depth] = ']';
        return this;
    }

    /** Closes the innermost object or array; at the outermost level returns the text. */
    String end() {
        close();
        return s.toString();
    }

    Json close() {
        s.append(closers[depth--]);
        return this;
    }

    Json key(String name) {
        value();
        string(name);
        s.append(':');
        started[depth] = false; // the value that follows needs no comma
        return this;
    }

    Json field(String name, String v) {
        return key(name).str(v);
    }

    Json field(String name, long v) {
        key(name);
        value();
        s.append(v);
        return this;
    }

    Json field(String name, boolean v) {
        key(name);
        value();
        s.append(v);
        return this;
    }

    Json field(String name, Collection<String> values) {
        key(name).array();
        for (String v : values) {
            str(v);
        }
        return close();
    }

    Json str(String v) {
        value();
        string(v);
        return this;
    }

    Json num(long v) {
        value();
        s.append(v);
        return this;
    }

    /** bpftool's byte arrays: ["0x01","0x00",...]. */
    Json bytes(byte[] b, int from, int to) {
        array();
        for (int i = from; i < to; i++) {
            str(String.format("0x%02x", b[i] & 0xff));
        }
        return close();
    }

    private void value() {
        if (started[depth]) {
            s.append(',');
        }
        started[depth] = true;
    }

    private void string(String v) {
        s.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"': s.append("\\\""); break;
                case '\\': s.append("\\\\"); break;
                case '\n': s.append("\\n"); break;
                case '\t': s.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        s.append(String.format("\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
            }
        }
        s.append('"');
    }

    /** The text so far (complete once every object and array is closed). */
    @Override
    public String toString() {
        return s.toString();
    }

    static String quote(String v) {
        Json j = new Json();
        j.string(v);
        return j.s.toString();
    }
}
