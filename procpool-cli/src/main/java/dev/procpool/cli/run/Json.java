package dev.procpool.cli.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The {@code --json} summary, written by hand (no JSON library in the CLI). */
final class Json {
    private Json() {
    }

    static Map<String, Object> job(long seq, List<String> args, String command, String status, int exitval,
            int signal, double start, double runtime) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", seq);
        m.put("args", args);
        m.put("command", command);
        m.put("status", status);
        m.put("exitval", exitval);
        m.put("signal", signal);
        m.put("start", start);
        m.put("runtime", runtime);
        return m;
    }

    static String summary(long total, int succeeded, int failed, int timedOut, int killed, int skipped, int exit,
            double seconds, List<Map<String, Object>> jobs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobs", total);
        m.put("succeeded", succeeded);
        m.put("failed", failed);
        m.put("timedOut", timedOut);
        m.put("killed", killed);
        m.put("skipped", skipped);
        m.put("exitCode", exit);
        m.put("seconds", seconds);
        m.put("results", jobs);
        return write(m) + "\n";
    }

    static String write(Object o) {
        StringBuilder sb = new StringBuilder();
        write(sb, o);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object o) {
        if (o == null) {
            sb.append("null");
        } else if (o instanceof String s) {
            string(sb, s);
        } else if (o instanceof Double d) {
            sb.append(String.format(Locale.ROOT, "%.3f", d));
        } else if (o instanceof Number || o instanceof Boolean) {
            sb.append(o);
        } else if (o instanceof Map<?, ?> map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                write(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (o instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(sb, list.get(i));
            }
            sb.append(']');
        } else {
            write(sb, o.toString());
        }
    }

    /**
     * A JSON string: RFC 8259 escapes, U+2028/U+2029 escaped (JavaScript readers split lines
     * there), and a lone surrogate escaped as {@code \\uXXXX}, so the output is valid UTF-8 even for
     * broken UTF-16 from an argument or a command's name. The same rules as the JSON lines the log
     * sink writes (a test holds the two to the same output); a copy because the CLI uses only the
     * library's public API.
     */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    boolean lone = Character.isHighSurrogate(c)
                            ? i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
                            : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || lone) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
