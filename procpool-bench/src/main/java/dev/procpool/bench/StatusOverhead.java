package dev.procpool.bench;

import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.Task;
import dev.procpool.TaskHandle;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.status.StatusServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.Recording;

/**
 * What watching a pool costs: throughput of one pool (2 process workers, tiny tasks submitted one
 * by one) with nothing watching it, with a {@link StatusServer} and a client fetching
 * {@code /status.json} every 100 ms, and with a JFR recording of every {@code procpool.*} event.
 * The three run interleaved, several rounds, on the same warmed pool, so drift in the machine's
 * load hits all three alike. Prints a Markdown table.
 *
 * <p>Usage: {@code StatusOverhead [--tasks N] [--rounds R] [--out FILE]}.
 */
public final class StatusOverhead {
    private enum Mode { PLAIN, STATUS_PAGE, JFR }

    private StatusOverhead() {
    }

    static Task<Integer> tiny(int i) {
        return () -> i;
    }

    public static void main(String[] args) throws Exception {
        int tasks = 100_000;
        int rounds = 7;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tasks" -> tasks = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Map<Mode, List<Double>> rates = new EnumMap<>(Mode.class);
        Map<Mode, List<Double>> cpu = new EnumMap<>(Mode.class);
        for (Mode m : Mode.values()) {
            rates.put(m, new ArrayList<>());
            cpu.put(m, new ArrayList<>());
        }
        long polls;
        String loadBefore = load();
        try (Pool pool = Pool.create(PoolOptions.builder().name("bench").minWorkers(2).maxWorkers(2)
                .workerTypes(WorkerType.PROCESS).workerOptions(WorkerOptions.builder().output(OutputHandler.discard()).build())
                .build())) {
            run(pool, tasks); // warm-up: JIT in the controller and both children
            run(pool, tasks);
            AtomicLong pollCount = new AtomicLong();
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < Mode.values().length; k++) {
                    Mode m = Mode.values()[(r + k) % Mode.values().length]; // rotate the order every round
                    long cpu0 = cpuNanos();
                    rates.get(m).add(measure(pool, tasks, m, pollCount));
                    cpu.get(m).add((cpuNanos() - cpu0) / 1000.0 / tasks);
                }
                System.err.printf(Locale.ROOT, "round %d/%d done, load %s%n", r + 1, rounds, load());
            }
            polls = pollCount.get();
        }
        String loadAfter = load();
        double plain = median(rates.get(Mode.PLAIN));
        StringBuilder sb = new StringBuilder();
        double plainCpu = median(cpu.get(Mode.PLAIN));
        sb.append("| configuration | median tasks/s | min – max | vs nothing watching | controller CPU µs/task, median (min – max) | CPU vs nothing watching |\n"
                + "| --- | ---: | ---: | ---: | ---: | ---: |\n");
        String[] names = {"nothing watching", "StatusServer + a client fetching /status.json every 100 ms",
            "JFR recording with every procpool.* event enabled"};
        for (Mode m : Mode.values()) {
            List<Double> v = rates.get(m);
            List<Double> c = cpu.get(m);
            sb.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f – %,.0f | %.3f× | %.2f (%.2f – %.2f) | %.3f× |%n",
                    names[m.ordinal()], median(v), v.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                    v.stream().mapToDouble(Double::doubleValue).max().orElse(0), median(v) / plain,
                    median(c), c.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                    c.stream().mapToDouble(Double::doubleValue).max().orElse(0), median(c) / plainCpu));
        }
        sb.append(String.format(Locale.ROOT, "%n%d rounds of %,d tasks each per configuration, interleaved (order rotated each"
                + " round); 2 process workers; %,d status fetches in all. Load average (1, 5, 15 min) before: %s; after: %s.%n",
                rounds, tasks, polls, loadBefore, loadAfter));
        sb.append("\nPer-round tasks/s:\n\n");
        for (Mode m : Mode.values()) {
            sb.append("- ").append(names[m.ordinal()]).append(": ");
            sb.append(String.join(", ", rates.get(m).stream().map(x -> String.format(Locale.ROOT, "%,.0f", x)).toList()));
            sb.append('\n');
        }
        System.out.print(sb);
        if (out != null) {
            Files.writeString(out, sb.toString());
        }
    }

    private static double measure(Pool pool, int tasks, Mode mode, AtomicLong polls) throws Exception {
        if (mode == Mode.PLAIN) {
            return run(pool, tasks);
        }
        if (mode == Mode.JFR) {
            try (Recording rec = new Recording()) {
                for (String e : List.of("TaskQueued", "TaskStart", "TaskEnd", "WorkerStart", "WorkerExit", "TimeoutKill", "Retry")) {
                    rec.enable("procpool." + e);
                }
                rec.setToDisk(true);
                rec.start();
                double rate = run(pool, tasks);
                rec.stop();
                return rate;
            }
        }
        try (StatusServer server = StatusServer.start(pool)) {
            HttpClient http = HttpClient.newHttpClient();
            URI json = server.uri().resolve("/status.json");
            AtomicBoolean stop = new AtomicBoolean();
            Thread client = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(json).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException("status " + r.statusCode());
                        }
                        polls.incrementAndGet();
                        Thread.sleep(100); // the client's polling period, not a wait for a condition
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }, "bench-status-client");
            client.start();
            try {
                return run(pool, tasks);
            } finally {
                stop.set(true);
                client.join();
            }
        }
    }

    /** Submits {@code n} tasks one by one and waits for all; tasks per second. */
    private static double run(Pool pool, int n) throws Exception {
        List<TaskHandle<Integer>> hs = new ArrayList<>(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            hs.add(pool.submit(tiny(i)));
        }
        for (int i = 0; i < n; i++) {
            int v = hs.get(i).future().get(60, TimeUnit.SECONDS);
            if (v != i) {
                throw new IllegalStateException("task " + i + " came back as " + v);
            }
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * CPU time of this whole JVM (the controller, its status server and client, JFR): less
     * sensitive than wall-clock throughput to what else the machine runs.
     */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length == 0 ? 0 : a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (Exception e) {
            return "unknown";
        }
    }
}
