package dev.procpool.internal.logs;

import dev.procpool.logs.LogEvent;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.event.Level;

/**
 * The one JSON shape procpool writes and reads: an object of string (or null) fields, and an
 * {@code mdc} field holding an object of strings, one event per line. Hand-written because the
 * core has no JSON dependency; the parser accepts exactly that shape (whitespace allowed, any
 * field order, unknown string fields ignored) and rejects everything else, which is what the log
 * server needs to tell events from garbage.
 *
 * <pre>
 * {"time":"2026-11-22T18:00:00.123456Z","worker":"w1","source":"log","level":"INFO",
 *  "logger":"com.example.Job","thread":"procpool-task","message":"started","exception":null,
 *  "mdc":{"request":"42"}}
 * </pre>
 */
public final class Json {
    private Json() {
    }

    /** The event as one line of JSON, without a line terminator. */
    public static String encode(LogEvent e) {
        StringBuilder sb = new StringBuilder(128 + e.message().length());
        sb.append("{\"time\":");
        string(sb, e.time().toString());
        sb.append(",\"worker\":");
        string(sb, e.worker());
        sb.append(",\"source\":");
        string(sb, e.source().jsonName());
        sb.append(",\"level\":");
        string(sb, e.level().name());
        sb.append(",\"logger\":");
        string(sb, e.logger());
        sb.append(",\"thread\":");
        string(sb, e.thread());
        sb.append(",\"message\":");
        string(sb, e.message());
        sb.append(",\"exception\":");
        string(sb, e.exception());
        sb.append(",\"mdc\":{");
        boolean first = true;
        for (Map.Entry<String, String> m : new TreeMap<>(e.mdc()).entrySet()) { // sorted: stable lines
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(sb, m.getKey());
            sb.append(':');
            string(sb, m.getValue());
        }
        return sb.append("}}").toString();
    }

    /**
     * Appends a JSON string literal (or {@code null}). Escapes what RFC 8259 requires (quote,
     * backslash, U+0000..U+001F), and also U+2028/U+2029 and lone surrogates, so the output is
     * safe for JavaScript readers and valid UTF-8 even when the text was not.
     */
    public static void string(StringBuilder sb, String s) {
        if (s == null) {
            sb.append("null");
            return;
        }
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
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Thrown for a line that is not a procpool log event. */
    public static final class BadJsonException extends Exception {
        private static final long serialVersionUID = 1L;

        BadJsonException(String message) {
            super(message);
        }
    }

    /** Parses one line written by {@link #encode}. */
    public static LogEvent decode(String line) throws BadJsonException {
        Map<String, String> mdc = new HashMap<>();
        Map<String, String> f = parseObject(line, mdc);
        String time = required(f, "time");
        Instant t;
        try {
            t = Instant.parse(time);
        } catch (DateTimeParseException e) {
            throw new BadJsonException("bad time '" + time + "'");
        }
        LogEvent.Source source;
        Level level;
        try {
            // "source": null counts as absent (a null-valued key is in the map, so no getOrDefault)
            String src = f.get("source") == null ? "log" : f.get("source");
            source = LogEvent.Source.valueOf(src.toUpperCase(java.util.Locale.ROOT));
            level = Level.valueOf(required(f, "level").toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadJsonException("bad source or level (" + f.get("source") + ", " + f.get("level") + ")");
        }
        return new LogEvent(t, required(f, "worker"), source, level, required(f, "logger"), f.get("thread"),
                required(f, "message"), f.get("exception"), mdc);
    }

    private static String required(Map<String, String> f, String key) throws BadJsonException {
        String v = f.get(key);
        if (v == null) {
            throw new BadJsonException("missing field \"" + key + "\"");
        }
        return v;
    }

    /**
     * A JSON object whose values are all strings or null, except {@code mdc}, an object of strings
     * (put in {@code mdc}); anything else is refused.
     */
    static Map<String, String> parseObject(String s, Map<String, String> mdc) throws BadJsonException {
        int[] pos = {skipWs(s, 0)};
        Map<String, String> out = parseObject(s, pos, mdc);
        if (skipWs(s, pos[0]) != s.length()) {
            throw new BadJsonException("text after the object at offset " + pos[0]);
        }
        return out;
    }

    /** Parses an object at {@code pos}; {@code mdc} null means no nested object is allowed. */
    private static Map<String, String> parseObject(String s, int[] pos, Map<String, String> mdc) throws BadJsonException {
        Map<String, String> out = new HashMap<>();
        expect(s, pos, '{');
        pos[0] = skipWs(s, pos[0]);
        if (peek(s, pos[0]) == '}') {
            pos[0]++;
        } else {
            while (true) {
                pos[0] = skipWs(s, pos[0]);
                String key = parseString(s, pos);
                pos[0] = skipWs(s, pos[0]);
                expect(s, pos, ':');
                pos[0] = skipWs(s, pos[0]);
                String value;
                if (s.startsWith("null", pos[0])) {
                    value = null;
                    pos[0] += 4;
                } else if (mdc != null && key.equals("mdc") && peek(s, pos[0]) == '{') {
                    Map<String, String> nested = parseObject(s, pos, null);
                    for (Map.Entry<String, String> m : nested.entrySet()) {
                        if (m.getValue() != null) {
                            mdc.put(m.getKey(), m.getValue());
                        }
                    }
                    value = null;
                } else {
                    value = parseString(s, pos);
                }
                if (out.containsKey(key)) {
                    throw new BadJsonException("duplicate field \"" + key + "\"");
                }
                out.put(key, value);
                pos[0] = skipWs(s, pos[0]);
                char c = peek(s, pos[0]);
                pos[0]++;
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw new BadJsonException("expected ',' or '}' at offset " + (pos[0] - 1));
                }
            }
        }
        return out;
    }

    private static char peek(String s, int i) throws BadJsonException {
        if (i >= s.length()) {
            throw new BadJsonException("unexpected end of line");
        }
        return s.charAt(i);
    }

    private static void expect(String s, int[] pos, char c) throws BadJsonException {
        if (peek(s, pos[0]) != c) {
            throw new BadJsonException("expected '" + c + "' at offset " + pos[0]);
        }
        pos[0]++;
    }

    private static int skipWs(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\r' || s.charAt(i) == '\n')) {
            i++;
        }
        return i;
    }

    private static String parseString(String s, int[] pos) throws BadJsonException {
        expect(s, pos, '"');
        StringBuilder sb = new StringBuilder();
        int i = pos[0];
        while (true) {
            char c = peek(s, i++);
            if (c == '"') {
                break;
            }
            if (c < 0x20) {
                throw new BadJsonException("unescaped control character in a string at offset " + (i - 1));
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = peek(s, i++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (i + 4 > s.length()) {
                        throw new BadJsonException("short \\u escape");
                    }
                    int v = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = Character.digit(s.charAt(i + k), 16);
                        if (d < 0) {
                            throw new BadJsonException("bad \\u escape at offset " + i);
                        }
                        v = v * 16 + d;
                    }
                    sb.append((char) v);
                    i += 4;
                }
                default -> throw new BadJsonException("bad escape \\" + e + " at offset " + (i - 1));
            }
        }
        pos[0] = i;
        return sb.toString();
    }
}
