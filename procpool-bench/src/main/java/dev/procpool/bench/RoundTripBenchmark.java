package dev.procpool.bench;

import dev.procpool.PersistentWorker;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Warm round trip of a trivial call ({@code x -> x} on an {@code Integer}) to a persistent worker:
 * {@code enqueue} then {@code nextResult}, one call in flight. {@code type=PROCESS} crosses to a
 * child JVM over procpool's Unix socket; {@code type=THREAD} measures procpool's own hand-offs
 * without any IPC.
 *
 * <p>Run (after {@code mvn -B -q install -DskipTests}):
 * <pre>
 * java -cp 'procpool-bench/target/procpool-bench.jar:procpool-bench/target/lib/*' \
 *     org.openjdk.jmh.Main RoundTrip -f 1 -wi 3 -i 5
 * </pre>
 * Sample mode reports the median ({@code p0.50}) that procpool's round-trip target is stated in; add
 * {@code -bm avgt} for the mean, {@code -p type=PROCESS} for one kind only.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RoundTripBenchmark {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Param({"PROCESS", "THREAD"})
    public String type;

    private PersistentWorker<Integer, Integer> worker;
    private final Integer argument = 42;

    @Setup(Level.Trial)
    public void start() throws Exception {
        worker = Workers.persistent(WorkerType.valueOf(type), Tasks.<Integer>identity());
        worker.enqueue(0);
        worker.nextResult(TIMEOUT); // the child is up and connected
    }

    @TearDown(Level.Trial)
    public void stop() {
        worker.close();
    }

    @Benchmark
    public Integer roundTrip() throws Exception {
        worker.enqueue(argument);
        return worker.nextResult(TIMEOUT);
    }
}
