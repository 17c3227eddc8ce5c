/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * C names to Java names: {@code rx_packets} becomes {@code rxPackets} (members,
 * methods) or {@code RxPackets} (classes) or {@code RX_PACKETS} (constants);
 * keywords and names that would clash get a suffix. One {@link Scope} per
 * Java scope hands out names in a fixed order, so the output is stable.
 */
final class JavaNames {
    private static final Set<String> RESERVED = new HashSet<String>(Arrays.asList("abstract", "assert", "boolean",
            "break", "byte", "case", "catch", "char", "class", "const", "continue", "default", "do", "double", "else",
            "enum", "extends", "final", "finally", "float", "for", "goto", "if", "implements", "import", "instanceof",
            "int", "interface", "long", "native", "new", "package", "private", "protected", "public", "return",
            "short", "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient",
            "try", "void", "volatile", "while", "true", "false", "null", "var", "yield", "record", "_"));

    private JavaNames() {}

    /** {@code foo_bar} → {@code fooBar}; leading underscores dropped; never empty or a keyword. */
    static String camel(String c) {
        String s = pascal(c);
        s = s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
        return RESERVED.contains(s) ? s + "_" : s;
    }

    /** {@code foo_bar} → {@code FooBar}. */
    static String pascal(String c) {
        StringBuilder b = new StringBuilder();
        boolean up = true;
        for (int i = 0; i < c.length(); i++) {
            char ch = c.charAt(i);
            if (!Character.isLetterOrDigit(ch) || ch > 0x7f) {
                up = true;
                continue;
            }
            if (b.length() == 0 && Character.isDigit(ch)) {
                b.append('_');
            }
            b.append(up ? Character.toUpperCase(ch) : ch);
            up = false;
        }
        return b.length() == 0 ? "X" : b.toString();
    }

    /** {@code rxPackets} / {@code rx_packets} → {@code RX_PACKETS}. */
    static String constant(String c) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < c.length(); i++) {
            char ch = c.charAt(i);
            if (!Character.isLetterOrDigit(ch) || ch > 0x7f) {
                if (b.length() > 0 && b.charAt(b.length() - 1) != '_') {
                    b.append('_');
                }
                continue;
            }
            if (Character.isUpperCase(ch) && i > 0 && Character.isLowerCase(c.charAt(i - 1))) {
                b.append('_');
            }
            if (b.length() == 0 && Character.isDigit(ch)) {
                b.append('_');
            }
            b.append(Character.toUpperCase(ch));
        }
        while (b.length() > 0 && b.charAt(b.length() - 1) == '_') {
            b.setLength(b.length() - 1);
        }
        return b.length() == 0 ? "X" : b.toString().toUpperCase(Locale.ROOT);
    }

    /** Names handed out within one Java scope; a second {@code fooBar} becomes {@code fooBar2}. */
    static final class Scope {
        private final Set<String> taken = new HashSet<String>();

        Scope(String... reserved) {
            for (String r : reserved) {
                reserve(r);
            }
        }

        String claim(String wanted) {
            String name = wanted;
            for (int n = 2; !taken.add(name.toLowerCase(Locale.ROOT)); n++) {
                name = wanted + n; // case-insensitively unique: Get/SET prefixes and file systems stay apart
            }
            return name;
        }

        /**
         * A name free both as it is and with {@code prefix} in front ({@code Foo} and {@code AttachFoo}), both
         * then taken: a program's accessor and its attach methods.
         */
        String claimWithPrefix(String wanted, String prefix) {
            String name = wanted;
            for (int n = 2; taken.contains(name.toLowerCase(Locale.ROOT))
                    || taken.contains((prefix + name).toLowerCase(Locale.ROOT)); n++) {
                name = wanted + n;
            }
            reserve(name);
            reserve(prefix + name);
            return name;
        }

        /** Reserves a name as it is, without a suffix (a fixed member of the generated class). */
        void reserve(String name) {
            taken.add(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A Java string literal of {@code s}. */
    static String literal(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** Text safe inside a javadoc or block comment. */
    static String comment(String s) {
        return s.replace("*/", "*&#47;").replace("@", "&#64;").replace("\\u", "\\\\u");
    }
}
