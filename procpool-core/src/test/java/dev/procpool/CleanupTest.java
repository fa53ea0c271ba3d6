package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.testing.ControllerMain;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * However the controlling JVM ends, its workers and their children end too. Each test runs a
 * real controller JVM ({@link ControllerMain}) with two process workers, each of which started a
 * {@code sleep 600} grandchild, and ends the controller one way.
 */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class CleanupTest {
    private Process controller;
    private final List<Long> pids = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        // only what this test started, by pid, whatever the outcome
        if (controller != null) {
            controller.toHandle().destroyForcibly();
        }
        pids.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
    }

    private void startController(String mode, boolean defaultSigint) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (defaultSigint) {
            // A JVM keeps SIGINT ignored if it was ignored when it started, as it is for
            // background jobs of a non-interactive shell (CI); restore the default first.
            cmd.addAll(List.of("python3", "-c",
                    "import os,signal,sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])"));
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ControllerMain.class.getName(), mode, "2"));
        controller = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(controller.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Void> ready = CompletableFuture.runAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("PIDS ")) {
                        pids.addAll(Arrays.stream(line.substring(5).split(" ")).map(Long::valueOf).collect(Collectors.toList()));
                    }
                    if (line.equals("READY")) {
                        return;
                    }
                }
                throw new IllegalStateException("controller ended before it was ready");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        ready.get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS);
        assertThat(pids).hasSize(4);
        assertThat(pids).allMatch(LeakCheck::isRunning);
        controller.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        controller.getOutputStream().flush();
    }

    private void assertAllGoneWithin(Duration limit) {
        await("workers and their children to end").atMost(limit).pollInterval(Duration.ofMillis(10))
                .until(() -> pids.stream().noneMatch(LeakCheck::isRunning));
    }

    @Test
    void sigkillOfTheControllerEndsEveryWorkerAndGrandchildWithinTwoSeconds() throws Exception {
        startController("wait", false);

        controller.toHandle().destroyForcibly();

        assertAllGoneWithin(Duration.ofSeconds(2));
    }

    @Test
    void sigtermOfTheControllerStopsEveryWorkerAndGrandchild() throws Exception {
        startController("wait", false);

        controller.toHandle().destroy();

        assertAllGoneWithin(Deadlines.SHORT);
        assertThat(controller.waitFor(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void sigintOfTheControllerStopsEveryWorkerAndGrandchild() throws Exception {
        startController("wait", true);

        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(controller.pid())).start();
        assertThat(kill.waitFor()).isZero();

        assertAllGoneWithin(Deadlines.SHORT);
        assertThat(controller.waitFor(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void systemExitOfTheControllerStopsEveryWorkerAndGrandchild() throws Exception {
        startController("exit", false);

        assertThat(controller.waitFor(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertAllGoneWithin(Deadlines.SHORT);
    }

    @Test
    void normalExitOfTheControllerStopsEveryWorkerAndGrandchild() throws Exception {
        startController("return", false);

        assertThat(controller.waitFor(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertAllGoneWithin(Deadlines.SHORT);
    }
}
