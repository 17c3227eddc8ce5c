package io.github.bpf4j.maven;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The make rule clang writes with -MD -MF: the object, then every file the
 * compile read (the source and each header it included). Read back to decide
 * whether an object is older than any of its inputs.
 */
final class DepFile {
    private DepFile() {
    }

    /** The prerequisites of the first rule, or null when the file is missing or unreadable. */
    static List<String> prerequisites(Path depFile) {
        String text;
        try {
            text = new String(Files.readAllBytes(depFile), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                char next = text.charAt(i + 1);
                if (next == '\n') {          // line continuation
                    i++;
                    flush(w, words);
                    continue;
                }
                if (next == ' ' || next == '#' || next == '\\') {   // an escaped character of a file name
                    w.append(next);
                    i++;
                    continue;
                }
            }
            if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '$') {
                w.append('$');
                i++;
            } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                flush(w, words);
            } else {
                w.append(c);
            }
        }
        flush(w, words);
        // words[0] is "target:" (or "target" and ":" apart); everything after the colon
        int colon = -1;
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i).endsWith(":")) {
                colon = i;
                break;
            }
        }
        return colon < 0 ? null : new ArrayList<>(words.subList(colon + 1, words.size()));
    }

    private static void flush(StringBuilder w, List<String> words) {
        if (w.length() > 0) {
            words.add(w.toString());
            w.setLength(0);
        }
    }
}
