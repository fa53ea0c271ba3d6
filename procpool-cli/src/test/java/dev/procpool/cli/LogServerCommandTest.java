package dev.procpool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.Token;
import dev.procpool.logs.LogEvent;
import dev.procpool.logs.LogServerClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/** {@code procpool log-server} as a real process: events in, JSON lines out, strangers refused on stderr. */
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class LogServerCommandTest {
    private static final long DEADLINE_MILLIS = 30_000;

    @Test
    void receivesEventsWritesThemAsJsonLinesAndReportsAWrongTokenOnStderr(@TempDir Path dir) throws Exception {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "t0k3n-for-the-test\n");
        Path out = dir.resolve("all.jsonl");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.procpool.cli.Main", "log-server",
                "--listen", "127.0.0.1:0", "--token-file", tokenFile.toString(), "--out", out.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        List<String> stderr = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                Pattern listening = Pattern.compile("procpool log-server: listening on 127.0.0.1:(\\d+)");
                for (String line; (line = r.readLine()) != null; ) {
                    stderr.add(line);
                    Matcher m = listening.matcher(line);
                    if (m.matches()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new AssertionError("no 'listening' line; stderr: " + stderr));
        }, "test-stderr");
        reader.start();
        try {
            int listening = port.get(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
            try (LogServerClient client = LogServerClient.connect("127.0.0.1", listening, Token.of("t0k3n-for-the-test"))) {
                for (int i = 0; i < 3; i++) {
                    client.accept(new LogEvent(Instant.now(), "remote-" + i, LogEvent.Source.LOG, Level.INFO, "app",
                            "main", "event " + i, null));
                }
            }
            assertThatThrownBy(() -> LogServerClient.connect("127.0.0.1", listening, Token.of("a-wrong-token-for-the-test")))
                    .hasMessageContaining("wrong token");
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
            while (System.nanoTime() < deadline && (lines(out).size() < 3
                    || stderr.stream().noneMatch(l -> l.contains("WARN") && l.contains("wrong token")))) {
                Thread.onSpinWait();
                p.waitFor(20, TimeUnit.MILLISECONDS); // a bounded wait that also notices an early death
            }
            assertThat(lines(out)).hasSize(3).allSatisfy(l -> assertThat(l).startsWith("{\"time\":"));
            assertThat(lines(out).get(2)).contains("\"worker\":\"remote-2\"", "\"message\":\"event 2\"");
            assertThat(stderr).anyMatch(l -> l.contains("WARN") && l.contains("wrong token"));
        } finally {
            p.toHandle().destroy(); // SIGTERM: the shutdown hook flushes and closes
            assertThat(p.waitFor(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
            reader.join(DEADLINE_MILLIS);
        }
        assertThat(p.exitValue()).isEqualTo(143);
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Test
    void badListenAddressOrMissingTokenIsOneLineAndExitCode2(@TempDir Path dir) throws IOException {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "x");
        StringWriter err = new StringWriter();
        var cmd = Main.commandLine();
        cmd.setErr(new PrintWriter(err, true));
        assertThat(cmd.execute("log-server", "--listen", "nowhere", "--token-file", tokenFile.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("procpool: --listen wants HOST:PORT");

        err.getBuffer().setLength(0);
        assertThat(cmd.execute("log-server", "--listen", "127.0.0.1:0")).isEqualTo(2);
        assertThat(err.toString()).startsWith("procpool: Error: Missing required argument");

        err.getBuffer().setLength(0);
        assertThat(cmd.execute("log-server", "--listen", "127.0.0.1:0", "--token-file", dir.resolve("none").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).startsWith("procpool: cannot read the token file");
    }
}
