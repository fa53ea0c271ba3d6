package dev.procpool.cli.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command template with GNU parallel's replacement strings, expanded once per job.
 *
 * <p>{@code {}} (every argument of the job), {@code {.}} (without extension), {@code {/}}
 * (basename), {@code {//}} (dirname), {@code {/.}} (basename without extension), {@code {#}} (job
 * number), {@code {%}} (job slot), {@code {n}} with the same suffixes (the n-th input source or
 * column; with {@code -N}, the n-th argument of the job), {@code {name}} (a column named by
 * {@code --header}), and {@code {= EXPR =}} / {@code {=n EXPR =}} with a subset of Perl (see
 * {@link PerlSubset}). Values are shell-quoted where needed, as GNU parallel does; a template
 * without any replacement string gets the arguments appended. With {@code -X}, a word holding a
 * replacement string is repeated once per argument of the job.
 *
 * <p>Every string here is a byte string (see {@link Bytes}).
 *
 * <pre>{@code
 * Template t = new Template(List.of("gzip", "{}"), "{}", Map.of(), false);
 * t.expand(List.of(List.of("a.log")), 1, 1); // "gzip a.log"
 * }</pre>
 */
final class Template {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    /** One piece of the template: literal text or a replacement. */
    private record Piece(String literal, int position, String suffix, String name, PerlSubset perl, char special) {
    }

    private final String template;
    private final List<List<Piece>> words = new ArrayList<>();
    private final boolean hasReplacement;
    private final boolean contextReplace;
    private final Map<String, Integer> names;
    private final boolean usesSlot;
    private final boolean usesSeq;

    /**
     * @param commandWords the command's words (joined with spaces, as GNU parallel does)
     * @param replace the string that stands for the arguments ({@code {}} unless {@code -I})
     * @param names column names from {@code --header} (1-based positions)
     * @param contextReplace {@code -X}
     */
    Template(List<String> commandWords, String replace, Map<String, Integer> names, boolean contextReplace) {
        this.template = String.join(" ", commandWords);
        this.names = names;
        this.contextReplace = contextReplace;
        boolean any = false;
        boolean slot = false;
        boolean seqUsed = false;
        List<Piece> current = new ArrayList<>();
        words.add(current);
        for (Piece p : parse(template, replace)) {
            if (p.literal() == null) {
                any = true;
                slot |= p.special() == '%';
                seqUsed |= p.special() == '#';
                current.add(p);
                continue;
            }
            // words are split at spaces outside replacement strings (-X repeats a whole word)
            String[] parts = p.literal().split(" ", -1);
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    current = new ArrayList<>();
                    words.add(current);
                }
                if (!parts[i].isEmpty()) {
                    current.add(new Piece(parts[i], 0, "", null, null, '\0'));
                }
            }
        }
        this.hasReplacement = any;
        this.usesSlot = slot;
        this.usesSeq = seqUsed;
    }

    private List<Piece> parse(String word, String replace) {
        List<Piece> out = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < word.length()) {
            if (!replace.equals("{}") && word.startsWith(replace, i)) {
                flush(lit, out);
                out.add(new Piece(null, 0, "", null, null, '\0'));
                i += replace.length();
                continue;
            }
            if (word.charAt(i) == '{') {
                int close = word.indexOf('}', i);
                Piece p = null;
                int end = close;
                if (word.startsWith("{=", i)) {
                    int perlEnd = word.indexOf("=}", i + 2);
                    if (perlEnd > 0) {
                        p = perl(word.substring(i + 1, perlEnd));
                        end = perlEnd + 1;
                    }
                } else if (close > 0) {
                    p = replacement(word.substring(i + 1, close), replace);
                }
                if (p != null) {
                    flush(lit, out);
                    out.add(p);
                    i = end + 1;
                    continue;
                }
            }
            lit.append(word.charAt(i));
            i++;
        }
        flush(lit, out);
        return out;
    }

    /** {@code {= EXPR =}} or {@code {=N EXPR =}} (the N-th source or column): the text between the braces. */
    private Piece perl(String inside) {
        String expr = inside.substring(1);
        int pos = 0;
        java.util.regex.Matcher m = Pattern.compile("(\\d+)\\s").matcher(expr);
        if (m.lookingAt()) {
            pos = Integer.parseInt(m.group(1));
            expr = expr.substring(m.end());
        }
        return new Piece(null, pos, "", null, PerlSubset.parse(expr.strip()), '\0');
    }

    private Piece replacement(String inside, String replace) {
        if (inside.equals("#")) {
            return new Piece(null, 0, "", null, null, '#');
        }
        if (inside.equals("%")) {
            return new Piece(null, 0, "", null, null, '%');
        }
        Matcher m = Pattern.compile("(\\d*)(\\.|/|//|/\\.)?").matcher(inside);
        if (m.matches() && (replace.equals("{}") || !m.group(1).isEmpty())) {
            String n = m.group(1);
            return new Piece(null, n.isEmpty() ? 0 : Integer.parseInt(n), m.group(2) == null ? "" : m.group(2), null,
                    null, '\0');
        }
        if (names.containsKey(inside)) {
            return new Piece(null, names.get(inside), "", inside, null, '\0');
        }
        return null;
    }

    private static void flush(StringBuilder lit, List<Piece> out) {
        if (lit.length() > 0) {
            out.add(new Piece(lit.toString(), 0, "", null, null, '\0'));
            lit.setLength(0);
        }
    }

    boolean usesSlot() {
        return usesSlot;
    }

    boolean usesSeq() {
        return usesSeq;
    }

    boolean hasReplacement() {
        return hasReplacement;
    }

    /**
     * The command line for one job.
     *
     * @param args the job's arguments: one record per argument, each a list of columns (one per
     *     input source, or per {@code --colsep} column)
     * @param seq the 1-based job number
     * @param slot the 1-based job slot
     */
    String expand(List<List<String>> args, long seq, int slot) {
        if (!hasReplacement) {
            List<String> parts = new ArrayList<>();
            if (!template.isEmpty()) {
                parts.add(template);
            }
            for (List<String> record : args) {
                for (String a : record) {
                    // with no command, the argument is the command itself (GNU: `parallel ::: 'echo hi'`)
                    parts.add(template.isEmpty() ? a : quote(a));
                }
            }
            return String.join(" ", parts);
        }
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < words.size(); w++) {
            List<Piece> word = words.get(w);
            if (w > 0) {
                sb.append(' ');
            }
            boolean replaces = word.stream().anyMatch(p -> p.literal() == null && p.special() == '\0');
            if (contextReplace && replaces && args.size() != 1) {
                List<String> each = new ArrayList<>();
                for (List<String> record : args) {
                    each.add(expandWord(word, List.of(record), seq, slot, true));
                }
                sb.append(String.join(" ", each));
            } else {
                sb.append(expandWord(word, args, seq, slot, true));
            }
        }
        return sb.toString();
    }

    /** One word of the template for a job; {@code quote}: each value shell-quoted, as for a command line. */
    private String expandWord(List<Piece> word, List<List<String>> args, long seq, int slot, boolean quote) {
        StringBuilder sb = new StringBuilder();
        for (Piece p : word) {
            if (p.literal() != null) {
                sb.append(p.literal());
            } else if (p.special() == '#') {
                sb.append(seq);
            } else if (p.special() == '%') {
                sb.append(slot);
            } else if (p.position() == 0) {
                List<String> each = new ArrayList<>();
                for (List<String> record : args) {
                    for (String a : record) {
                        each.add(quote ? quoted(value(a, p), p) : value(a, p));
                    }
                }
                sb.append(String.join(" ", each));
            } else {
                String v = at(args, p.position());
                sb.append(v == null ? "" : quote ? quoted(value(v, p), p) : value(v, p));
            }
        }
        return sb.toString();
    }

    /** {n}: the n-th column of a one-argument job, else (with -N) the n-th argument. */
    private static String at(List<List<String>> args, int n) {
        if (args.size() == 1) {
            List<String> record = args.get(0);
            return n <= record.size() ? record.get(n - 1) : null;
        }
        return n <= args.size() ? String.join(" ", args.get(n - 1)) : null;
    }

    private static String quoted(String value, Piece p) {
        return p.perl() != null && p.perl().unquoted() ? value : quote(value);
    }

    private static String value(String arg, Piece p) {
        return p.perl() != null ? p.perl().apply(arg) : transform(arg, p.suffix());
    }

    /** The template with the job's values unquoted, for {@code --tagstring}. */
    String expandUnquoted(List<List<String>> args, long seq, int slot) {
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < words.size(); w++) {
            if (w > 0) {
                sb.append(' ');
            }
            sb.append(expandWord(words.get(w), args, seq, slot, false));
        }
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
            // bytes above 0x7F (UTF-8 or Latin-1 letters) are no shell syntax
            if (!(c >= 0x80 || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' '
                    || "_@%+=:,./-".indexOf(c) >= 0)) {
                return true;
            }
        }
        return false;
    }
}
