package dev.procpool.cli.run;

import java.util.function.Function;
import picocli.CommandLine.ParameterException;

/** GNU parallel's {@code --halt}: never, or now|soon with fail=N|success=N (N may be a percentage). */
record Halt(boolean never, boolean now, boolean onFailure, boolean percent, double value) {

    static Halt parse(String text, Function<String, ParameterException> bad) {
        String s = text.strip();
        switch (s) {
            case "never", "0":
                return new Halt(true, false, true, false, 0);
            case "1":
                return new Halt(false, false, true, false, 1);
            case "2":
                return new Halt(false, true, true, false, 1);
            default:
                break;
        }
        String[] parts = s.split(",", 2);
        if (parts.length != 2 || !(parts[0].equals("now") || parts[0].equals("soon"))) {
            throw bad.apply("bad --halt '" + text + "' (use never, now,fail=N, soon,fail=N, now,success=N, N%)");
        }
        String[] kv = parts[1].split("=", 2);
        if (kv.length != 2 || !(kv[0].equals("fail") || kv[0].equals("success") || kv[0].equals("done"))) {
            throw bad.apply("bad --halt '" + text + "' (use never, now,fail=N, soon,fail=N, now,success=N, N%)");
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
        return new Halt(false, parts[0].equals("now"), kv[0].equals("fail"), percent, v);
    }
}
