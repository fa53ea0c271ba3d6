package demo.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.TaskHandle;
import dev.procpool.TaskOptions;
import dev.procpool.TaskState;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.testing.Deadlines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pool run recorded with JFR, read back as a user would: RecordingFile and the jfr tool. */
@Tag("jvm")
class JfrEventsTest {

    @Test
    void aRecordedPoolRunHasItsTaskAndWorkerEvents(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rec.jfr");
        TaskHandle<Integer> ok;
        TaskHandle<Object> bad;
        TaskHandle<String> hung;
        long workerPid;
        try (Recording recording = new Recording()) {
            recording.enable("procpool.TaskQueued");
            recording.enable("procpool.TaskStart");
            recording.enable("procpool.TaskEnd");
            recording.enable("procpool.WorkerStart");
            recording.enable("procpool.WorkerExit");
            recording.enable("procpool.TimeoutKill");
            recording.enable("procpool.Retry");
            recording.start();
            try (Pool pool = Pool.create(PoolOptions.builder().name("recorded").maxWorkers(1).workerTypes(WorkerType.PROCESS)
                    .workerOptions(WorkerOptions.builder().output(OutputHandler.discard()).build())
                    .grace(Duration.ofMillis(200)).build())) {
                ok = pool.submit(() -> 6 * 7);
                bad = pool.submit(PoolStatusTest.failing());
                hung = pool.submit(PoolStatusTest.waitFor(dir.resolve("never")),
                        TaskOptions.<String>builder().timeout(Duration.ofMillis(400)).retriesOnTimeout(1).build());
                assertThat(ok.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(42);
                await().atMost(Deadlines.LONG).until(() -> hung.state() == TaskState.TIMED_OUT && bad.state().isTerminal());
                workerPid = pool.status().workers().get(0).pid().orElse(-1);
            }
            recording.stop();
            recording.dump(file);
        }

        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("procpool.")).collect(Collectors.toList());
        List<RecordedEvent> ends = named(events, "procpool.TaskEnd");
        assertThat(ends).extracting(e -> e.getLong("taskId") + " " + e.getString("outcome")).containsExactlyInAnyOrder(
                ok.id() + " SUCCEEDED", bad.id() + " FAILED", hung.id() + " TIMED_OUT");
        RecordedEvent failed = ends.stream().filter(e -> e.getLong("taskId") == bad.id()).findFirst().orElseThrow();
        assertThat(failed.getString("pool")).isEqualTo("recorded");
        assertThat(failed.getString("worker")).startsWith("recorded-0");
        assertThat(failed.getString("error")).isEqualTo("java.lang.IllegalStateException: boom in the worker");
        RecordedEvent timedOut = ends.stream().filter(e -> e.getLong("taskId") == hung.id()).findFirst().orElseThrow();
        assertThat(timedOut.getDuration("runTime")).isGreaterThanOrEqualTo(Duration.ofMillis(400));

        assertThat(named(events, "procpool.TaskQueued")).hasSize(3);
        assertThat(named(events, "procpool.TaskStart")).extracting(e -> e.getInt("attempt")).contains(1, 2);
        assertThat(named(events, "procpool.TimeoutKill")).hasSize(2)
                .allSatisfy(e -> assertThat(e.getDuration("timeout")).isEqualTo(Duration.ofMillis(400)));
        assertThat(named(events, "procpool.Retry")).singleElement()
                .satisfies(e -> assertThat(e.getString("reason")).isEqualTo("timeout"));
        assertThat(named(events, "procpool.WorkerStart")).hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(e -> assertThat(e.getLong("pid")).isPositive())
                .anySatisfy(e -> assertThat(e.getLong("pid")).isEqualTo(workerPid));
        assertThat(named(events, "procpool.WorkerExit")).anySatisfy(e -> {
            assertThat(e.getString("reason")).contains("ran past its timeout");
            assertThat(e.getBoolean("expected")).isFalse();
        });

        // what docs/observability.md tells users to run
        Path jfr = Path.of(System.getProperty("java.home"), "bin", "jfr");
        Process p = new ProcessBuilder(jfr.toString(), "print", "--events", "procpool.TaskEnd", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("procpool.TaskEnd").contains("outcome = \"TIMED_OUT\"").contains("boom in the worker");
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
    }
}
