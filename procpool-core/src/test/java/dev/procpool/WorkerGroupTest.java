package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import dev.procpool.testing.Misbehave;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class WorkerGroupTest {
    private static final WorkerOptions QUIET = WorkerOptions.builder().output(OutputHandler.discard()).build();

    private static WorkerOptions named(String name) {
        return QUIET.toBuilder().name(name).build();
    }

    @Test
    void groupStartsAndAwaitsWorkersOfMixedKindsAndTagsEachResult() throws Exception {
        try (WorkerGroup<Integer> group = new WorkerGroup<>()) {
            group.start(WorkerType.PROCESS, () -> 1234 * 5678, named("one"));
            group.start(WorkerType.THREAD, () -> 678 * 678, named("two"));
            group.start(WorkerType.PROCESS, () -> {
                throw new IllegalStateException("three failed");
            }, named("three"));

            assertThat(group.awaitAll(Deadlines.LONG)).isTrue();

            List<TaggedResult<Integer>> results = group.drainResults();
            assertThat(results).extracting(TaggedResult::workerName).containsExactlyInAnyOrder("one", "two", "three");
            assertThat(results.stream().filter(TaggedResult::succeeded).collect(Collectors.toMap(
                    TaggedResult::workerName, TaggedResult::get))).containsEntry("one", 1234 * 5678).containsEntry("two", 678 * 678);
            TaggedResult<Integer> failed = results.stream().filter(r -> !r.succeeded()).findFirst().orElseThrow();
            assertThat(failed.workerName()).isEqualTo("three");
            assertThatThrownBy(failed::get).isInstanceOf(TaskFailedException.class).hasMessageContaining("three failed");
            assertThat(group.drainResults()).isEmpty();
        }
    }

    @Test
    void sharedQueueDeliversInCompletionOrder(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path gate = dir.resolve("gate");
        String gatePath = gate.toString();
        try (WorkerGroup<String> group = new WorkerGroup<>()) {
            group.start(WorkerType.PROCESS, () -> {
                while (!java.nio.file.Files.exists(java.nio.file.Path.of(gatePath))) {
                    Thread.sleep(5);
                }
                return "slow";
            }, named("slow"));
            group.start(WorkerType.PROCESS, () -> "fast", named("fast"));

            assertThat(group.nextResult(Deadlines.LONG).workerName()).isEqualTo("fast");
            assertThatThrownBy(() -> group.nextResult(Duration.ofMillis(20))).isInstanceOf(TimeoutException.class);
            java.nio.file.Files.createFile(gate);
            assertThat(group.nextResult(Deadlines.LONG).get()).isEqualTo("slow");
        }
    }

    @Test
    void terminateAllStopsEveryRunningWorkerAtOnce() throws Exception {
        WorkerGroup<String> group = new WorkerGroup<>();
        for (int i = 0; i < 3; i++) {
            group.start(WorkerType.PROCESS, Misbehave.spinIgnoringInterrupts(), QUIET);
        }
        group.terminateAll(Deadlines.GRACE);

        assertThat(group.workers()).allMatch(w -> w.state() == WorkerState.TERMINATED);
        assertThat(group.drainResults()).hasSize(3).allMatch(r -> r.failure() instanceof WorkerTerminatedException);
    }
}
