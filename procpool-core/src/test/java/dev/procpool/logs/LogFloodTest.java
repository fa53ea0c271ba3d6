package dev.procpool.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.OutputHandler;
import dev.procpool.PersistentWorker;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** A worker that floods stdout and SLF4J at once loses nothing, and the controller stays responsive. */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class LogFloodTest {
    private static final int LINES = 200_000;

    /** Checks that items arrive as 0, 1, 2, ... and counts them; remembers the first gap. */
    private static final class Sequence {
        private final String prefix;
        private final AtomicLong next = new AtomicLong();
        private volatile String problem;

        Sequence(String prefix) {
            this.prefix = prefix;
        }

        void accept(String item) {
            long n = next.getAndIncrement(); // one thread per stream calls this: no race on the order
            if (problem == null && !item.equals(prefix + n)) {
                problem = "expected '" + prefix + n + "' but got '" + item + "'";
            }
        }
    }

    @Test
    void aWorkerFloodingStdoutAndSlf4jLosesNoLineAndAnotherWorkerStillAnswersQuickly() throws Exception {
        Sequence out = new Sequence("out ");
        Sequence events = new Sequence("event ");
        Worker<Integer> flood = Workers.start(WorkerType.PROCESS, () -> {
            org.slf4j.Logger log = LoggerFactory.getLogger("flood");
            for (int i = 0; i < LINES; i++) {
                System.out.println("out " + i);
                log.info("event {}", i);
            }
            return LINES;
        }, WorkerOptions.builder().name("flood").logSink(e -> events.accept(e.message()))
                .output((worker, source, line) -> {
                    if (source == OutputHandler.Source.STDOUT) {
                        out.accept(line);
                    }
                }).build());
        try (PersistentWorker<Integer, Integer> echo = Workers.persistent(WorkerType.PROCESS, (Integer x) -> x,
                WorkerOptions.builder().name("echo").output(OutputHandler.discard()).build())) {
            echo.enqueue(-1);
            echo.nextResult(Deadlines.LONG); // started
            List<Long> roundTripsMillis = new ArrayList<>();
            int i = 0;
            while (!flood.future().isDone() || roundTripsMillis.size() < 5) {
                long t0 = System.nanoTime();
                echo.enqueue(i);
                assertThat(echo.nextResult(Deadlines.LONG)).isEqualTo(i);
                roundTripsMillis.add((System.nanoTime() - t0) / 1_000_000);
                i++;
            }
            assertThat(flood.await(Deadlines.LONG)).isTrue();
            assertThat(flood.result()).isEqualTo(LINES);
            await("every stdout line").atMost(Deadlines.LONG).until(() -> out.next.get() >= LINES);
            assertThat(events.next.get()).as("events arrive before the result").isEqualTo(LINES);
            assertThat(out.next.get()).isEqualTo(LINES);
            assertThat(out.problem).isNull();
            assertThat(events.problem).isNull();
            long max = roundTripsMillis.stream().mapToLong(Long::longValue).max().orElseThrow();
            System.out.printf("flood: %d round trips to another worker meanwhile, slowest %d ms%n",
                    roundTripsMillis.size(), max);
            // a loose bound: on a busy 2-core machine a flood shares the CPUs, but never stalls others
            assertThat(max).as("slowest round trip (ms) during the flood").isLessThan(Duration.ofSeconds(2).toMillis());
        }
    }

    @Test
    void aWorkerLoggingFasterThanItsSinkIsSlowedDownInsteadOfBufferingOrDropping() throws Exception {
        // ~120 MB of events through a sink several times slower than the worker, from a worker with
        // a 24 MB heap: without back-pressure the backlog would exhaust its heap, and it would die
        int n = 300_000;
        Sequence events = new Sequence("slow ");
        AtomicLong seen = new AtomicLong();
        Worker<Integer> w = Workers.start(WorkerType.PROCESS, () -> {
            org.slf4j.Logger log = LoggerFactory.getLogger("slow");
            String padding = "x".repeat(380);
            for (int i = 0; i < n; i++) {
                log.info("slow {}{}", i, padding);
            }
            return n;
        }, WorkerOptions.builder().name("fast-logger").maxHeap("24m").output(OutputHandler.discard()).logSink(e -> {
            events.accept(e.message().substring(0, e.message().length() - 380));
            if (seen.incrementAndGet() % 10 == 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000); // a slow sink (a disk, a network)
            }
        }).build());
        assertThat(w.await(Deadlines.LONG)).isTrue();
        assertThat(w.error()).isEmpty();
        assertThat(w.result()).isEqualTo(n);
        assertThat(events.next.get()).isEqualTo(n);
        assertThat(events.problem).isNull();
    }
}
