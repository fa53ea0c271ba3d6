package dev.procpool.cli.run;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command template with GNU parallel's replacement strings: {@code {}}, {@code {.}}, {@code {/}},
 * {@code {//}}, {@code {/.}}, {@code {#}}, {@code {%}}, and {@code {n}} (with the same suffixes)
 * for the n-th input source. Values are shell-quoted where needed, as GNU parallel does; a template
 * without any replacement string gets the arguments appended.
 */
final class Template {
    private static final Pattern REPLACEMENT = Pattern.compile("\\{(\\d*)(\\.|/|//|/\\.)?\\}|\\{#\\}|\\{%\\}");
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private final String template;
    private final boolean hasReplacement;

    Template(List<String> words) {
        this.template = String.join(" ", words);
        this.hasReplacement = REPLACEMENT.matcher(template).find();
    }

    boolean usesSlot() {
        return template.contains("{%}");
    }

    /** The command line for one job: {@code args} one per input source, 1-based seq and slot. */
    String expand(List<String> args, long seq, int slot) {
        if (!hasReplacement) {
            List<String> parts = new ArrayList<>();
            if (!template.isEmpty()) {
                parts.add(template);
            }
            for (String a : args) {
                // with no command, the argument is the command itself (GNU: `parallel ::: 'echo hi'`)
                parts.add(template.isEmpty() ? a : quote(a));
            }
            return String.join(" ", parts);
        }
        Matcher m = REPLACEMENT.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String whole = m.group();
            String value;
            if (whole.equals("{#}")) {
                value = Long.toString(seq);
            } else if (whole.equals("{%}")) {
                value = Integer.toString(slot);
            } else {
                String n = m.group(1);
                String suffix = m.group(2) == null ? "" : m.group(2);
                if (n.isEmpty()) {
                    List<String> each = new ArrayList<>();
                    for (String a : args) {
                        each.add(quote(transform(a, suffix)));
                    }
                    value = String.join(" ", each);
                } else {
                    int i = Integer.parseInt(n);
                    value = i >= 1 && i <= args.size() ? quote(transform(args.get(i - 1), suffix)) : "";
                }
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    static String transform(String arg, String suffix) {
        switch (suffix) {
            case ".":
                return noExtension(arg);
            case "/":
                return basename(arg);
            case "//":
                return dirname(arg);
            case "/.":
                return noExtension(basename(arg));
            default:
                return arg;
        }
    }

    private static String basename(String s) {
        int slash = s.lastIndexOf('/');
        return slash < 0 ? s : s.substring(slash + 1);
    }

    private static String dirname(String s) {
        int slash = s.lastIndexOf('/');
        return slash < 0 ? "." : slash == 0 ? "/" : s.substring(0, slash);
    }

    private static String noExtension(String s) {
        int dot = s.lastIndexOf('.');
        int slash = s.lastIndexOf('/');
        return dot > slash + 1 ? s.substring(0, dot) : s;
    }

    /** Quotes for the shell only when needed (as GNU parallel does). */
    static String quote(String s) {
        if (s.isEmpty()) {
            return "''";
        }
        if (SAFE.matcher(s).matches()) {
            return s;
        }
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }

    /** Words a shell runs itself: a command line starting with one goes to the shell. */
    private static final java.util.Set<String> SHELL_WORDS = java.util.Set.of("exit", "cd", "export", "source",
            ".", "eval", "set", "unset", "if", "for", "while", "until", "case", "ulimit", "umask", "exec", "alias",
            "read", "wait", "trap", "type", "command", "return", "shift", "let", "declare", "local", "readonly",
            "function", "select", "time", "!", "{", "hash", "getopts", "jobs", "fg", "bg", "builtin", "enable");

    /** Whether a command line needs a shell (shell syntax, or a shell builtin first). */
    static boolean needsShell(String line) {
        String first = line.strip().split(" ", 2)[0];
        if (SHELL_WORDS.contains(first) || first.contains("=")) {
            return true;
        }
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == ' ' || "_@%+=:,./-".indexOf(c) >= 0)) {
                return true;
            }
        }
        return false;
    }
}
