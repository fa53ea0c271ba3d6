package dev.procpool.bench;

import dev.procpool.Token;
import dev.procpool.OutputHandler;
import dev.procpool.PersistentWorker;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.remote.WorkerServer;
import dev.procpool.remote.WorkerServerOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * Remote workers vs local process workers, in the same run: round-trip latency (one call at a
 * time through a persistent worker), throughput (a burst of calls enqueued at once, then
 * collected), and the time to start a one-shot worker and get its result. The remote worker runs
 * on a {@code WorkerServer} spawned as a separate JVM on 127.0.0.1, so every call crosses two TCP
 * hops (controller -> server -> worker) instead of one.
 *
 * <p>Run: {@code java -cp procpool-bench/target/procpool-bench.jar:procpool-bench/target/lib/*
 * dev.procpool.bench.RemoteCompare} (prints one Markdown table); {@code run-remote-compare.sh}
 * runs it on JDK 17 and 25 and writes the section of docs/BENCHMARKS.md.
 */
public final class RemoteCompare {
    private static final int ROUND_TRIPS = 5_000;
    private static final int BURST = 100_000;
    private static final int STARTS = 10;

    private RemoteCompare() {
    }

    public static void main(String[] args) throws Exception {
        Token token = Token.of("bench-token-0123456789abcdef0123");
        WorkerOptions local = WorkerOptions.builder().output(OutputHandler.discard()).build();
        try (WorkerServer server = WorkerServer.spawn(WorkerServerOptions.builder().token(token)
                .output(OutputHandler.discard()).log(l -> { }).build())) {
            WorkerOptions remote = local.toBuilder().remote(server.remoteOptions().build()).build();
            Row l = measure(WorkerType.PROCESS, local);
            Row r = measure(WorkerType.REMOTE, remote);
            System.out.println("| measure | local process worker | remote worker (server on 127.0.0.1) | remote / local |");
            System.out.println("|---|---:|---:|---:|");
            line("round trip, median (µs)", l.rttMedianMicros, r.rttMedianMicros, "%.0f");
            line("round trip, 99th percentile (µs)", l.rttP99Micros, r.rttP99Micros, "%.0f");
            line("calls per second, burst of " + BURST, l.burstPerSecond, r.burstPerSecond, "%,.0f");
            line("start a one-shot worker + trivial task, median (ms)", l.startMedianMillis, r.startMedianMillis, "%.0f");
        }
    }

    private static void line(String what, double local, double remote, String fmt) {
        System.out.println("| " + what + " | " + String.format(Locale.ROOT, fmt, local) + " | "
                + String.format(Locale.ROOT, fmt, remote) + " | " + String.format(Locale.ROOT, "%.2f", remote / local) + " |");
    }

    private record Row(double rttMedianMicros, double rttP99Micros, double burstPerSecond, double startMedianMillis) {
    }

    private static Row measure(WorkerType type, WorkerOptions options) throws Exception {
        long[] rtt = new long[ROUND_TRIPS];
        double burst;
        try (PersistentWorker<Integer, Integer> w = Workers.persistent(type, (Integer x) -> x + 1, options)) {
            for (int i = 0; i < ROUND_TRIPS; i++) { // warm-up
                w.enqueue(i);
                w.nextResult(Duration.ofSeconds(30));
            }
            for (int i = 0; i < ROUND_TRIPS; i++) {
                long t0 = System.nanoTime();
                w.enqueue(i);
                w.nextResult(Duration.ofSeconds(30));
                rtt[i] = System.nanoTime() - t0;
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < BURST; i++) {
                w.enqueue(i);
            }
            for (int i = 0; i < BURST; i++) {
                w.nextResult(Duration.ofSeconds(60));
            }
            burst = BURST / ((System.nanoTime() - t0) / 1e9);
            w.endInput();
            w.await(Duration.ofSeconds(30));
        }
        long[] starts = new long[STARTS];
        for (int i = 0; i < STARTS; i++) {
            long t0 = System.nanoTime();
            try (Worker<Integer> w = Workers.start(type, () -> 42, options)) {
                w.await(Duration.ofSeconds(60));
                w.result();
                starts[i] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(rtt);
        Arrays.sort(starts);
        return new Row(rtt[ROUND_TRIPS / 2] / 1e3, rtt[ROUND_TRIPS * 99 / 100] / 1e3, burst, starts[STARTS / 2] / 1e6);
    }
}
