package dev.procpool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.TaskOptions;
import dev.procpool.TaskState;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The dispatch decisions on slots and tasks made up in memory: no worker is started. */
class DispatchPolicyTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private final long now = System.nanoTime();
    private long nextId;

    private PoolWorker slot(SlotState state) {
        int index = (int) nextId++;
        PoolWorker w = new PoolWorker(null, index, WorkerType.PROCESS,
                WorkerOptions.builder().name("w" + index).build());
        w.state = state;
        return w;
    }

    private PoolTask<String> task(boolean timed) {
        TaskOptions<String> o = timed ? TaskOptions.<String>builder().timeout(Duration.ofSeconds(1)).build()
                : TaskOptions.defaults();
        return new PoolTask<>(null, ++nextId, () -> "x", null, o, -1, -1);
    }

    /** Puts a task in flight on a slot, sent {@code agoNanos} ago. */
    private PoolTask<String> inflight(PoolWorker w, boolean timed, long agoNanos) {
        PoolTask<String> t = task(timed);
        t.state = TaskState.RUNNING;
        t.worker = w;
        t.sentAt = now - agoNanos;
        w.inflight.addLast(t);
        w.dispatched++;
        return t;
    }

    /** A slot whose recent tasks took {@code perTaskNanos} each. */
    private static void quick(PoolWorker w, long perTaskNanos) {
        w.serviceSamples = 10;
        w.serviceNanos = perTaskNanos;
        w.lastAnswerAt = 0;
    }

    @Test
    void anIdleReadyWorkerTakesTheTaskBeforeABusyOrStartingOne() {
        DispatchPolicy p = new DispatchPolicy(0, 3, 0);
        PoolWorker busy = slot(SlotState.READY);
        inflight(busy, false, 0);
        PoolWorker starting = slot(SlotState.STARTING);
        PoolWorker idle = slot(SlotState.READY);

        assertThat(p.choose(task(false), List.of(busy, starting, idle), true, now)).isSameAs(idle);
        assertThat(p.choose(task(true), List.of(busy, starting, idle), true, now)).isSameAs(idle);
    }

    @Test
    void idleWorkersShareTheWorkInTurn() {
        DispatchPolicy p = new DispatchPolicy(0, 3, 0);
        List<PoolWorker> all = List.of(slot(SlotState.READY), slot(SlotState.READY), slot(SlotState.READY));
        Set<PoolWorker> chosen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            chosen.add(p.choose(task(false), all, false, now));
        }
        assertThat(chosen).hasSize(3);
    }

    @Test
    void anUntimedTaskGoesToAStartingWorkerButATimedOneWaitsForAReadyIdleWorker() {
        DispatchPolicy p = new DispatchPolicy(0, 2, 0);
        PoolWorker starting = slot(SlotState.STARTING);

        assertThat(p.choose(task(false), List.of(starting), true, now)).isSameAs(starting);
        assertThat(p.choose(task(true), List.of(starting), true, now)).isNull();
        inflight(starting, false, 0);
        assertThat(p.choose(task(false), List.of(starting), true, now))
                .as("a starting worker takes one task only").isNull();
    }

    @Test
    void retiringStoppingAndExhaustedWorkersTakeNothing() {
        DispatchPolicy p = new DispatchPolicy(0, 4, 5);
        PoolWorker retiring = slot(SlotState.RETIRING);
        PoolWorker stopping = slot(SlotState.STOPPING);
        PoolWorker exhausted = slot(SlotState.READY);
        exhausted.dispatched = 5;

        assertThat(p.choose(task(false), List.of(retiring, stopping, exhausted), false, now)).isNull();
        assertThat(DispatchPolicy.active(List.of(retiring, stopping, exhausted))).isEqualTo(1);
    }

    @Test
    void untimedTasksArePipelinedOnlyWhenThePoolCannotGrowAndTheWorkerIsQuick() {
        DispatchPolicy p = new DispatchPolicy(0, 1, 0);
        PoolWorker w = slot(SlotState.READY);
        inflight(w, false, 0);
        quick(w, 100_000);

        assertThat(p.choose(task(false), List.of(w), true, now)).as("the pool can grow instead").isNull();
        assertThat(p.choose(task(false), List.of(w), false, now)).isSameAs(w);
        assertThat(p.choose(task(true), List.of(w), false, now)).as("a timed task never waits behind one").isNull();

        quick(w, 5 * MS);
        assertThat(p.choose(task(false), List.of(w), false, now)).as("its tasks are slow").isNull();
    }

    @Test
    void nothingIsPipelinedBehindATimedTaskOrOneThatRunsLongOrPastTheLimit() {
        PoolWorker behindTimed = slot(SlotState.READY);
        quick(behindTimed, 100_000);
        inflight(behindTimed, true, 0);
        assertThat(DispatchPolicy.pipelines(behindTimed, now)).isFalse();

        PoolWorker longRunning = slot(SlotState.READY);
        quick(longRunning, 100_000);
        inflight(longRunning, false, 10 * MS);
        assertThat(DispatchPolicy.pipelines(longRunning, now)).isFalse();

        PoolWorker full = slot(SlotState.READY);
        quick(full, 100_000);
        for (int i = 0; i < DispatchPolicy.PIPELINE; i++) {
            inflight(full, false, 0);
        }
        assertThat(DispatchPolicy.pipelines(full, now)).isFalse();
        full.inflight.pollLast();
        assertThat(DispatchPolicy.pipelines(full, now)).isTrue();
    }

    @Test
    void theLeastLoadedQuickWorkerGetsThePipelinedTask() {
        DispatchPolicy p = new DispatchPolicy(0, 2, 0);
        PoolWorker a = slot(SlotState.READY);
        PoolWorker b = slot(SlotState.READY);
        quick(a, 100_000);
        quick(b, 100_000);
        inflight(a, false, 0);
        inflight(a, false, 0);
        inflight(b, false, 0);

        assertThat(p.choose(task(false), List.of(a, b), false, now)).isSameAs(b);
    }

    @Test
    void thePoolGrowsByTheTasksNoStartingWorkerWillTakeUpToItsMaximum() {
        DispatchPolicy p = new DispatchPolicy(0, 4, 0);
        List<PoolWorker> workers = new ArrayList<>(List.of(slot(SlotState.READY), slot(SlotState.STARTING)));

        assertThat(p.toStart(1, workers)).as("the starting worker takes it").isZero();
        assertThat(p.toStart(2, workers)).isEqualTo(1);
        assertThat(p.toStart(10, workers)).as("up to the maximum").isEqualTo(2);
        workers.add(slot(SlotState.RETIRING));
        assertThat(p.toStart(10, workers)).as("a retiring worker does not count").isEqualTo(2);
    }

    @Test
    void tasksWaitingBehindASlowTaskAreRecalledWhenAWorkerIsIdle() {
        DispatchPolicy p = new DispatchPolicy(0, 2, 0);
        PoolWorker slow = slot(SlotState.READY);
        PoolTask<String> running = inflight(slow, false, 50 * MS);
        PoolTask<String> waiting1 = inflight(slow, false, 50 * MS);
        PoolTask<String> waiting2 = inflight(slow, false, 50 * MS);
        PoolWorker idle = slot(SlotState.READY);

        assertThat(p.toRecall(List.of(slow), now)).as("nobody is idle").isEmpty();
        assertThat(p.toRecall(List.of(slow, idle), now)).containsExactly(waiting1, waiting2).doesNotContain(running);

        waiting1.stolen = true;
        assertThat(p.toRecall(List.of(slow, idle), now)).as("asked back once").containsExactly(waiting2);

        slow.state = SlotState.STOPPING;
        assertThat(p.toRecall(List.of(slow, idle), now)).as("a stopping worker's waiting tasks come back at its exit").isEmpty();
    }

    @Test
    void nothingIsRecalledFromBehindATaskThatIsStillQuick() {
        DispatchPolicy p = new DispatchPolicy(0, 2, 0);
        PoolWorker w = slot(SlotState.READY);
        inflight(w, false, 0);
        inflight(w, false, 0);

        assertThat(p.toRecall(List.of(w, slot(SlotState.READY)), now)).isEmpty();
    }

    @Test
    void onlyAReadyWorkerWithNothingInFlightRetiresForIdleness() {
        PoolWorker w = slot(SlotState.READY);
        w.idleSince = now - 100 * MS;
        assertThat(DispatchPolicy.idleTooLong(w, now, 50 * MS)).isTrue();
        assertThat(DispatchPolicy.idleTooLong(w, now, 500 * MS)).isFalse();
        inflight(w, false, 0);
        assertThat(DispatchPolicy.idleTooLong(w, now, 50 * MS)).isFalse();
    }
}
