package dev.procpool.bench;

import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.TaskHandle;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A pool of THREAD workers against a {@link ThreadPoolExecutor} of the same size, in the same run:
 * {@code submit} throughput (tasks submitted one by one, each with its future, then all awaited)
 * and the round trip of one task ({@code submit} then {@code get}, one at a time). Both sides run
 * in alternating rounds so that the machine's load falls on both alike; the load average is
 * printed before and after.
 *
 * <p>Goal: throughput at least 0.5x the executor's, round trip at most 2x.
 *
 * <p>Run: {@code java -cp 'procpool-bench/target/procpool-bench.jar:procpool-bench/target/lib/*'
 * dev.procpool.bench.ExecutorCompare [--workers 2] [--tasks 200000] [--rounds 5] [--out FILE]}.
 */
public final class ExecutorCompare {
    private ExecutorCompare() {
    }

    public static void main(String[] args) throws Exception {
        int workers = 2;
        int tasks = 200_000;
        int rounds = 5;
        int trips = 20_000;
        Path out = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--workers" -> workers = Integer.parseInt(args[i + 1]);
                case "--tasks" -> tasks = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--trips" -> trips = Integer.parseInt(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        String loadBefore = loadAverage();
        ThreadPoolExecutor tpe = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>());
        tpe.prestartAllCoreThreads();
        double[] poolRate = new double[rounds];
        double[] tpeRate = new double[rounds];
        long[][] poolTrips = new long[rounds][];
        long[][] tpeTrips = new long[rounds][];
        double[] viewRate = new double[rounds];
        try (Pool pool = Pool.create(PoolOptions.builder().minWorkers(workers).maxWorkers(workers)
                .workerTypes(WorkerType.THREAD).workerOptions(WorkerOptions.builder().output(OutputHandler.discard())
                        .build()).build())) {
            ExecutorService view = pool.asExecutorService();
            // warm-up: both sides, JIT included
            for (int w = 0; w < 3; w++) {
                throughputPool(pool, tasks / 4);
                throughput(tpe, tasks / 4);
                throughput(view, tasks / 4);
                roundTripsPool(pool, trips / 4);
                roundTrips(tpe, trips / 4);
            }
            for (int r = 0; r < rounds; r++) {
                // alternate which side goes first, so neither always gets the quieter moment
                if (r % 2 == 0) {
                    poolRate[r] = throughputPool(pool, tasks);
                    tpeRate[r] = throughput(tpe, tasks);
                } else {
                    tpeRate[r] = throughput(tpe, tasks);
                    poolRate[r] = throughputPool(pool, tasks);
                }
                viewRate[r] = throughput(view, tasks);
                if (r % 2 == 0) {
                    poolTrips[r] = roundTripsPool(pool, trips);
                    tpeTrips[r] = roundTrips(tpe, trips);
                } else {
                    tpeTrips[r] = roundTrips(tpe, trips);
                    poolTrips[r] = roundTripsPool(pool, trips);
                }
            }
        } finally {
            tpe.shutdownNow();
        }
        String loadAfter = loadAverage();

        long[] allPool = concat(poolTrips);
        long[] allTpe = concat(tpeTrips);
        double poolMedianRate = median(poolRate);
        double tpeMedianRate = median(tpeRate);
        double poolTrip = percentile(allPool, 50);
        double tpeTrip = percentile(allTpe, 50);
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "Java %s, %d workers, %d tasks per throughput run, %d rounds, %d round trips "
                + "per round%n", System.getProperty("java.version"), workers, tasks, rounds, trips));
        s.append("load average before: ").append(loadBefore).append('\n');
        s.append("load average after:  ").append(loadAfter).append('\n');
        s.append(String.format(Locale.ROOT, "throughput, THREAD pool submit:      median %,.0f tasks/s; runs %s%n",
                poolMedianRate, rates(poolRate)));
        s.append(String.format(Locale.ROOT, "throughput, pool.asExecutorService(): median %,.0f tasks/s; runs %s%n",
                median(viewRate), rates(viewRate)));
        s.append(String.format(Locale.ROOT, "throughput, ThreadPoolExecutor:       median %,.0f tasks/s; runs %s%n",
                tpeMedianRate, rates(tpeRate)));
        s.append(String.format(Locale.ROOT, "throughput ratio pool/TPE: %.2fx (per round: %s); goal >= 0.5x: %s%n",
                poolMedianRate / tpeMedianRate, ratios(poolRate, tpeRate), poolMedianRate / tpeMedianRate >= 0.5
                        ? "PASS" : "FAIL"));
        s.append(String.format(Locale.ROOT, "round trip, THREAD pool:   p10 / median / p90 / p99 = %s us; round medians %s%n",
                pcts(allPool), roundMedians(poolTrips)));
        s.append(String.format(Locale.ROOT, "round trip, ThreadPoolExecutor: p10 / median / p90 / p99 = %s us; round medians %s%n",
                pcts(allTpe), roundMedians(tpeTrips)));
        s.append(String.format(Locale.ROOT, "round trip ratio pool/TPE (medians): %.2fx; goal <= 2x: %s%n",
                poolTrip / tpeTrip, poolTrip / tpeTrip <= 2 ? "PASS" : "FAIL"));
        System.out.print(s);
        if (out != null) {
            Files.writeString(out, s.toString());
        }
    }

    private static double throughputPool(Pool pool, int n) throws Exception {
        long t = System.nanoTime();
        List<TaskHandle<Integer>> hs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            final int x = i;
            hs.add(pool.submit(() -> x + 1));
        }
        for (TaskHandle<Integer> h : hs) {
            h.future().get();
        }
        return n / ((System.nanoTime() - t) / 1e9);
    }

    private static double throughput(ExecutorService e, int n) throws Exception {
        long t = System.nanoTime();
        List<Future<Integer>> fs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            final int x = i;
            fs.add(e.submit(() -> x + 1));
        }
        for (Future<Integer> f : fs) {
            f.get();
        }
        return n / ((System.nanoTime() - t) / 1e9);
    }

    private static long[] roundTripsPool(Pool pool, int n) throws Exception {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            final int x = i;
            long t = System.nanoTime();
            pool.submit(() -> x + 1).future().get();
            out[i] = System.nanoTime() - t;
        }
        return out;
    }

    private static long[] roundTrips(ExecutorService e, int n) throws Exception {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            final int x = i;
            long t = System.nanoTime();
            e.submit(() -> x + 1).get();
            out[i] = System.nanoTime() - t;
        }
        return out;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static long[] concat(long[][] parts) {
        return Arrays.stream(parts).flatMapToLong(Arrays::stream).toArray();
    }

    private static double percentile(long[] samples, double p) {
        long[] s = samples.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.round(p / 100 * (s.length - 1)))] / 1000.0;
    }

    private static String pcts(long[] samples) {
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f / %.1f", percentile(samples, 10), percentile(samples, 50),
                percentile(samples, 90), percentile(samples, 99));
    }

    private static String roundMedians(long[][] rounds) {
        StringBuilder b = new StringBuilder();
        for (long[] r : rounds) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", percentile(r, 50)));
        }
        return b + " us";
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String rates(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double d : v) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%,.0f", d));
        }
        return b.toString();
    }

    private static String ratios(double[] a, double[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < a.length; i++) {
            s.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", a[i] / b[i]));
        }
        return s.toString();
    }
}
