package dev.procpool.cli.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The part of GNU parallel's {@code {= perl expression =}} that {@code procpool run} understands,
 * without a Perl interpreter: statements separated by {@code ;}, each one of
 * <ul>
 *   <li>{@code s/REGEX/REPLACEMENT/} with the flags {@code g} and {@code i} (any delimiter:
 *       {@code s:a:b:}); {@code $1}..{@code $9} and {@code ${1}} in the replacement</li>
 *   <li>{@code tr/abc/xyz/} (also {@code y///}), with {@code a-z} ranges</li>
 *   <li>{@code $_=uc($_)}, {@code $_=lc($_)}, {@code $_=ucfirst($_)}, {@code $_=lcfirst($_)}
 *       (also written {@code $_=uc}), and {@code uq()} / {@code uq} (the value goes into the command
 *       line unquoted, for the shell to parse)</li>
 * </ul>
 * Java's regular expressions stand in for Perl's: the common syntax ({@code \d}, {@code \w},
 * classes, groups, anchors, {@code +?}) means the same. Anything else is refused when the command
 * line is read, naming the expression, rather than run with a different meaning.
 *
 * <pre>{@code
 * PerlSubset.parse("s/\\.gz$//").apply("a.tar.gz"); // "a.tar"
 * }</pre>
 */
final class PerlSubset {
    private final List<UnaryOperator<String>> steps;
    private final boolean unquoted;

    private PerlSubset(List<UnaryOperator<String>> steps, boolean unquoted) {
        this.steps = steps;
        this.unquoted = unquoted;
    }

    /** Whether {@code uq} asked for the value to go into the command line unquoted. */
    boolean unquoted() {
        return unquoted;
    }

    String apply(String value) {
        String v = value;
        for (UnaryOperator<String> s : steps) {
            v = s.apply(v);
        }
        return v;
    }

    /** Parses an expression, or throws {@link IllegalArgumentException} saying what is not supported. */
    static PerlSubset parse(String expr) {
        List<UnaryOperator<String>> steps = new ArrayList<>();
        boolean uq = false;
        String rest = expr.strip();
        while (!rest.isEmpty()) {
            if (rest.startsWith(";")) {
                rest = rest.substring(1).strip();
                continue;
            }
            String[] consumed = new String[1];
            Matcher u = UQ.matcher(rest);
            if (u.lookingAt()) {
                uq = true;
                rest = rest.substring(u.end()).strip();
                continue;
            }
            steps.add(statement(rest, consumed, expr));
            rest = rest.substring(consumed[0].length()).strip();
        }
        return new PerlSubset(steps, uq);
    }

    private static final Pattern CASE = Pattern.compile("\\$_\\s*=\\s*(uc|lc|ucfirst|lcfirst)(\\s*\\(\\s*\\$_\\s*\\))?");
    private static final Pattern UQ = Pattern.compile("uq(\\s*\\(\\s*\\))?");

    private static UnaryOperator<String> statement(String s, String[] consumed, String whole) {
        Matcher c = CASE.matcher(s);
        if (c.lookingAt()) {
            consumed[0] = c.group();
            return switch (c.group(1)) {
                case "uc" -> v -> v.toUpperCase(Locale.ROOT);
                case "lc" -> v -> v.toLowerCase(Locale.ROOT);
                case "ucfirst" -> v -> v.isEmpty() ? v : v.substring(0, 1).toUpperCase(Locale.ROOT) + v.substring(1);
                default -> v -> v.isEmpty() ? v : v.substring(0, 1).toLowerCase(Locale.ROOT) + v.substring(1);
            };
        }
        if ((s.startsWith("s") || s.startsWith("y")) && s.length() > 1 && !Character.isLetterOrDigit(s.charAt(1))
                && !Character.isWhitespace(s.charAt(1))) {
            return s.charAt(0) == 's' ? substitute(s, 1, consumed, whole) : translate(s, 1, consumed, whole);
        }
        if (s.startsWith("tr") && s.length() > 2 && !Character.isLetterOrDigit(s.charAt(2))) {
            return translate(s, 2, consumed, whole);
        }
        throw unsupported(whole);
    }

    private static IllegalArgumentException unsupported(String whole) {
        return new IllegalArgumentException("'{= " + whole + " =}' is beyond the Perl procpool understands"
                + " (s/RE/REPL/gi, tr/a-z/A-Z/, $_=uc|lc|ucfirst|lcfirst, uq; separated by ';');"
                + " run the expression in the command instead, e.g. with sed");
    }

    /** Splits {@code s/a/b/flags} at its delimiter (a backslash escapes it); returns the parts and the end. */
    private static List<String> parts(String s, int at, int count, int[] end, String whole) {
        char delim = s.charAt(at);
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = at + 1;
        while (i < s.length() && out.size() < count) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 1 < s.length()) {
                if (s.charAt(i + 1) == delim) {
                    cur.append(delim);
                } else {
                    cur.append(ch).append(s.charAt(i + 1));
                }
                i += 2;
                continue;
            }
            if (ch == delim) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
            i++;
        }
        if (out.size() < count) {
            throw unsupported(whole);
        }
        end[0] = i;
        return out;
    }

    private static UnaryOperator<String> substitute(String s, int at, String[] consumed, String whole) {
        int[] end = new int[1];
        List<String> p = parts(s, at, 2, end, whole);
        int i = end[0];
        boolean global = false;
        int flags = 0;
        while (i < s.length() && Character.isLetter(s.charAt(i))) {
            switch (s.charAt(i)) {
                case 'g' -> global = true;
                case 'i' -> flags |= Pattern.CASE_INSENSITIVE;
                default -> throw unsupported(whole);
            }
            i++;
        }
        consumed[0] = s.substring(0, i);
        Pattern re;
        try {
            re = Pattern.compile(p.get(0), flags);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("'{= " + whole + " =}': bad regular expression: " + e.getDescription());
        }
        String replacement = perlReplacement(p.get(1));
        boolean all = global;
        return v -> {
            Matcher m = re.matcher(v);
            return all ? m.replaceAll(replacement) : m.replaceFirst(replacement);
        };
    }

    /** Perl's {@code $1}/{@code ${1}} and backslash escapes into Java's replacement syntax. */
    private static String perlReplacement(String perl) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < perl.length(); i++) {
            char c = perl.charAt(i);
            if (c == '$' && i + 1 < perl.length() && Character.isDigit(perl.charAt(i + 1))) {
                sb.append('$').append(perl.charAt(++i));
            } else if (c == '$' && perl.startsWith("{", i + 1) && perl.indexOf('}', i) > 0) {
                int close = perl.indexOf('}', i);
                sb.append('$').append(perl, i + 2, close);
                i = close;
            } else if (c == '\\' && i + 1 < perl.length()) {
                char n = perl.charAt(++i);
                sb.append(Matcher.quoteReplacement(switch (n) {
                    case 'n' -> "\n";
                    case 't' -> "\t";
                    default -> String.valueOf(n);
                }));
            } else {
                sb.append(Matcher.quoteReplacement(String.valueOf(c)));
            }
        }
        return sb.toString();
    }

    private static UnaryOperator<String> translate(String s, int at, String[] consumed, String whole) {
        int[] end = new int[1];
        List<String> p = parts(s, at, 2, end, whole);
        consumed[0] = s.substring(0, end[0]);
        String from = ranges(p.get(0));
        String to = ranges(p.get(1));
        if (to.isEmpty()) {
            to = from;
        }
        String target = to;
        return v -> {
            StringBuilder sb = new StringBuilder(v.length());
            for (int i = 0; i < v.length(); i++) {
                int k = from.indexOf(v.charAt(i));
                sb.append(k < 0 ? v.charAt(i) : target.charAt(Math.min(k, target.length() - 1)));
            }
            return sb.toString();
        };
    }

    private static String ranges(String spec) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < spec.length(); i++) {
            if (i + 2 < spec.length() && spec.charAt(i + 1) == '-') {
                for (char c = spec.charAt(i); c <= spec.charAt(i + 2); c++) {
                    sb.append(c);
                }
                i += 2;
            } else {
                sb.append(spec.charAt(i));
            }
        }
        return sb.toString();
    }
}
