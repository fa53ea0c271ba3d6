package dev.procpool.cli.run;

import java.util.function.Function;
import picocli.CommandLine.ParameterException;

/**
 * GNU parallel's {@code --halt}: never, or now|soon with fail=N|success=N|done=N (N may be a
 * percentage of all the jobs).
 */
record Halt(boolean never, boolean now, Counted counted, boolean percent, double value) {

    /** Which jobs count towards the limit. */
    enum Counted { FAIL, SUCCESS, DONE }

    static Halt parse(String text, Function<String, ParameterException> bad) {
        String s = text.strip();
        switch (s) {
            case "never", "0":
                return new Halt(true, false, Counted.FAIL, false, 0);
            case "1":
                return new Halt(false, false, Counted.FAIL, false, 1);
            case "2":
                return new Halt(false, true, Counted.FAIL, false, 1);
            default:
                break;
        }
        String[] parts = s.split(",", 2);
        if (parts.length != 2 || !(parts[0].equals("now") || parts[0].equals("soon"))) {
            throw bad.apply("bad --halt '" + text + "' (use never, now|soon,fail|success|done=N or N%)");
        }
        String[] kv = parts[1].split("=", 2);
        if (kv.length != 2 || !(kv[0].equals("fail") || kv[0].equals("success") || kv[0].equals("done"))) {
            throw bad.apply("bad --halt '" + text + "' (use never, now|soon,fail|success|done=N or N%)");
        }
        boolean percent = kv[1].endsWith("%");
        String number = percent ? kv[1].substring(0, kv[1].length() - 1) : kv[1];
        double v;
        try {
            v = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw bad.apply("bad --halt '" + text + "': '" + kv[1] + "' is not a number");
        }
        if (v <= 0) {
            throw bad.apply("bad --halt '" + text + "': the count must be positive");
        }
        if (percent && v > 100) {
            throw bad.apply("bad --halt '" + text + "': a percentage is at most 100");
        }
        return new Halt(false, parts[0].equals("now"), Counted.valueOf(kv[0].toUpperCase(java.util.Locale.ROOT)),
                percent, v);
    }
}
