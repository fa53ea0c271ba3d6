package dev.procpool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.OutputHandler;
import dev.procpool.PersistentWorker;
import dev.procpool.Token;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.remote.RemoteOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code procpool run --status-port} and {@code procpool worker-server --listen ... --status-port} watched
 * with {@code procpool status}: real processes, real HTTP.
 */
@Tag("jvm")
class StatusCommandTest {

    private static String[] status(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("status"));
        all.addAll(List.of(args));
        int code = cl.execute(all.toArray(String[]::new));
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void aRunWithAStatusPortIsWatchedFromTheTerminal(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.procpool.cli.Main", "run", "--status-port", "0", "-j", "2",
                "while [ ! -e " + gate + " ]; do sleep 0.05; done; echo {}", ":::", "a", "b", "c");
        Process run = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(run.getErrorStream(), StandardCharsets.UTF_8));
            String line;
            String url = null;
            Pattern p = Pattern.compile("status page at (http://127\\.0\\.0\\.1:\\d+/)");
            while (url == null && (line = err.readLine()) != null) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    url = m.group(1);
                }
            }
            assertThat(url).as("the address on stderr").isNotNull();
            String u = url;
            await().atMost(Duration.ofSeconds(60)).until(() -> status("--once", u)[1].contains("BUSY"));
            String[] shown = status("--once", "--width", "100", u);
            assertThat(shown[0]).isEqualTo("0");
            assertThat(shown[1]).contains("run (jobs)", "3 submitted", "1 queued", "WORKER");
            assertThat(shown[1].lines().filter(l -> l.contains("BUSY"))).hasSize(2);
            assertThat(shown[1].lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(100));

            Files.createFile(gate);
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(run.exitValue()).isZero();
            String[] gone = status("--once", u);
            assertThat(gone[0]).isEqualTo("1");
            assertThat(gone[2]).contains("cannot reach " + u);
        } finally {
            run.destroyForcibly();
        }
    }

    @Test
    void aListeningWorkerServerWithAStatusPortShowsTheWorkersItRuns() throws Exception {
        String token = "status-cli-token-0123456789abcdef";
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.procpool.cli.Main", "worker-server", "--listen", "127.0.0.1:0",
                "--status-port", "0");
        pb.environment().put("PROCPOOL_TOKEN", token);
        Process server = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertThat(ready).as("the listening line on stdout").contains("listening on 127.0.0.1:");
            int port = Integer.parseInt(ready.replaceAll(".*127\\.0\\.0\\.1:(\\d+).*", "$1"));
            BufferedReader err = new BufferedReader(new InputStreamReader(server.getErrorStream(), StandardCharsets.UTF_8));
            String url = null;
            Pattern p = Pattern.compile("status page at (http://127\\.0\\.0\\.1:\\d+/)");
            for (String line; url == null && (line = err.readLine()) != null; ) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    url = m.group(1);
                }
            }
            assertThat(url).as("the status page's address on stderr").isNotNull();
            Thread drain = new Thread(() -> {
                try {
                    err.transferTo(java.io.Writer.nullWriter()); // the server's log must not fill the pipe
                } catch (java.io.IOException e) {
                    // the server ended
                }
            });
            drain.setDaemon(true);
            drain.start();

            WorkerOptions options = WorkerOptions.builder().output(OutputHandler.discard()).name("watched")
                    .remote(RemoteOptions.builder("127.0.0.1", port).token(Token.of(token)).build()).build();
            PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.REMOTE, (Integer x) -> x + 1, options);
            w.enqueue(1);
            assertThat(w.nextResult(Duration.ofSeconds(60))).isEqualTo(2);
            long pid = w.pid();
            String u = url;
            await().atMost(Duration.ofSeconds(60)).until(() -> status("--once", u)[1].contains("watched"));
            String[] shown = status("--once", "--width", "160", u);
            assertThat(shown[0]).isEqualTo("0");
            assertThat(shown[1]).contains("127.0.0.1:" + port + " (worker-server)", "tasks: not known here",
                    "workers: 1 alive, 1 started");
            assertThat(shown[1].lines().filter(l -> l.startsWith("watched")).findFirst()).hasValueSatisfying(l ->
                    assertThat(l).contains("BUSY", " " + pid + " ", " MiB", " for 127.0.0.1:"));

            w.close();
            assertThat(w.await(Duration.ofSeconds(60))).isTrue();
            await().atMost(Duration.ofSeconds(60)).until(() -> status("--once", u)[1].contains("EXITED"));
            assertThat(status("--once", "--width", "160", u)[1].lines().filter(l -> l.startsWith("watched")).findFirst())
                    .hasValueSatisfying(l -> assertThat(l).contains("EXITED", " " + pid + " ", "exit code 0"));
        } finally {
            server.destroy(); // SIGTERM: the server stops and kills the workers it runs
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    @Test
    void aBadUrlIsABadArgument() {
        String[] r = status("--once", "ftp://example.com/");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("URL must be http://HOST:PORT/");
    }
}
