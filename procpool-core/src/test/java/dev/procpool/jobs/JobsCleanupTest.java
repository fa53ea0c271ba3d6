package dev.procpool.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import dev.procpool.WorkerType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A controller JVM ({@link JobsControllerMain}) killed with SIGKILL while a job runs: its job host
 * (when hosts are JVMs), the job, the job's child and a grandchild already re-parented to init all
 * end within 2 seconds, for each kind of job host.
 */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class JobsCleanupTest {
    private Process controller;
    private final List<Long> pids = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void killLeftovers() {
        // only what this test started, by pid, whatever the outcome
        if (controller != null) {
            controller.toHandle().destroyForcibly();
        }
        pids.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
    }

    @ParameterizedTest
    @EnumSource(value = WorkerType.class, names = {"THREAD", "PROCESS"})
    void sigkillOfTheControllerEndsEveryJobProcessWithinTwoSeconds(WorkerType hosts) throws Exception {
        Path file = dir.resolve("pids");
        controller = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), JobsControllerMain.class.getName(), file.toString(),
                hosts.name())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        await("the job to write its pids").atMost(Deadlines.LONG)
                .until(() -> Files.exists(file) && Files.readAllLines(file).size() == 3);
        for (String line : Files.readAllLines(file)) {
            pids.add(Long.valueOf(line.strip()));
        }
        long job = pids.get(2);
        long host = ProcessHandle.of(job).flatMap(ProcessHandle::parent).orElseThrow().pid();
        if (hosts == WorkerType.PROCESS) {
            pids.add(host);
            assertThat(ProcessHandle.of(host).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
                    .contains(controller.pid());
        } else {
            assertThat(host).as("the job's parent").isEqualTo(controller.pid());
        }
        assertThat(ProcessHandle.of(pids.get(1)).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
                .as("the grandchild left the job's tree").isNotEqualTo(java.util.Optional.of(job));
        assertThat(pids).allMatch(LeakCheck::isRunning);

        controller.toHandle().destroyForcibly();

        await("the job host, the job and its descendants to end").atMost(Duration.ofSeconds(2))
                .pollInterval(Duration.ofMillis(10)).until(() -> pids.stream().noneMatch(LeakCheck::isRunning));
    }
}
