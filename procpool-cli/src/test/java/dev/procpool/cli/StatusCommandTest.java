package dev.procpool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

/** {@code procpool run --status-port} watched with {@code procpool status}: real processes, real HTTP. */
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
    void aBadUrlIsABadArgument() {
        String[] r = status("--once", "ftp://example.com/");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("URL must be http://HOST:PORT/");
    }
}
