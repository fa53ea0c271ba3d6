package dev.procpool.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code procpool status URL}: a status page ({@code procpool run --status-port},
 * {@code worker-server --status-port}, or a library's {@code StatusServer}) as a table in the
 * terminal, redrawn every second; for machines without a browser.
 *
 * <pre>
 * $ procpool status http://127.0.0.1:7777/
 * run (jobs) at 14:02:11   3.2 tasks/s over the last minute
 * tasks: 120 submitted, 96 queued, 4 running, 20 done, 0 failed, 0 timed out, 0 cancelled, 0 retried
 * ...
 * $ procpool status --once 'http://10.0.0.5:7777/?token=...'
 * </pre>
 */
@Command(name = "status", header = "Shows a procpool status page as a table in the terminal, refreshed every second.")
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "URL", description = "The status page's address, as its server printed it (with ?token=... if it has one).")
    String url;

    @Option(names = "--once", description = "Print the table once and exit (exit code 1 when the page cannot be read).")
    boolean once;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1", description = "Seconds between refreshes (default 1).")
    double interval;

    @Option(names = "--width", paramLabel = "COLUMNS", description = "Cut lines to this width (default: $COLUMNS, else 120).")
    Integer width;

    @Override
    public Integer call() throws Exception {
        URI base;
        try {
            base = URI.create(url.contains("://") ? url : "http://" + url);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "not a URL: '" + url + "'");
        }
        if (!"http".equals(base.getScheme()) || base.getHost() == null) {
            throw new ParameterException(spec.commandLine(), "URL must be http://HOST:PORT/ (as the status server printed it): '" + url + "'");
        }
        if (interval < 0.1) {
            throw new ParameterException(spec.commandLine(), "--interval must be at least 0.1 seconds");
        }
        int cols = width != null ? width : columns();
        String token = token(base.getRawQuery());
        URI text = URI.create("http://" + base.getRawAuthority() + "/status.txt?width=" + cols + (token == null ? "" : "&token=" + token));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        PrintWriter out = spec.commandLine().getOut();
        boolean tty = System.console() != null;
        while (true) {
            String shown;
            boolean ok = false;
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(text).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                ok = r.statusCode() == 200;
                shown = ok ? r.body() : r.statusCode() == 401 ? "the status page wants its token: give the URL with ?token=...\n"
                        : "the status page answered HTTP " + r.statusCode() + "\n";
            } catch (IOException e) {
                shown = "cannot reach " + base + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + "\n";
            }
            if (once) {
                (ok ? out : spec.commandLine().getErr()).print(shown);
                out.flush();
                spec.commandLine().getErr().flush();
                return ok ? 0 : 1;
            }
            if (tty) {
                out.print("\033[H\033[2J"); // home and clear: a redrawn table, not a scrolling log
            }
            out.print(shown);
            if (!tty) {
                out.println("----");
            }
            out.flush();
            Thread.sleep((long) (interval * 1000));
        }
    }

    private static String token(String rawQuery) {
        if (rawQuery == null) {
            return null;
        }
        for (String kv : rawQuery.split("&")) {
            if (kv.startsWith("token=")) {
                return kv.substring(6);
            }
        }
        return null;
    }

    private static int columns() {
        try {
            String c = System.getenv("COLUMNS");
            return c == null ? 120 : Math.max(60, Integer.parseInt(c.strip()));
        } catch (NumberFormatException e) {
            return 120;
        }
    }
}
