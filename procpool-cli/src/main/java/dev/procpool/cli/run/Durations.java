package dev.procpool.cli.run;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** GNU parallel's durations: seconds ({@code 2.5}) or units ({@code 1h30m}, {@code 500ms}, {@code 2d}). */
final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)?");

    private Durations() {
    }

    static Duration parse(String text) {
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty duration");
        }
        Matcher m = PART.matcher(s);
        double seconds = 0;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("bad duration '" + text + "' (use e.g. 30, 2.5, 500ms, 1h30m)");
            }
            double v = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            if (m.group(2) == null && m.end() != s.length()) {
                throw new IllegalArgumentException("bad duration '" + text + "' (use e.g. 30, 2.5, 500ms, 1h30m)");
            }
            seconds += v * switch (unit) {
                case "ms" -> 0.001;
                case "m" -> 60;
                case "h" -> 3600;
                case "d" -> 86400;
                default -> 1;
            };
            at = m.end();
        }
        if (seconds <= 0) {
            throw new IllegalArgumentException("duration must be positive: '" + text + "'");
        }
        return Duration.ofNanos((long) (seconds * 1e9));
    }
}
