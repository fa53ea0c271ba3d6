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
            // the log sink's encoder: RFC 8259 escapes, and valid output even for broken UTF-16
            dev.procpool.internal.logs.Json.string(sb, s);
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
}
