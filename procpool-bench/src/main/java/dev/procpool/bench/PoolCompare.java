package dev.procpool.bench;

import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.TaskHandle;
import dev.procpool.TaskOptions;
import dev.procpool.TaskTimeoutException;
import dev.procpool.WorkerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pool benchmarks, each beside its reference measured in the same run on this
 * machine, with 2 workers: {@code Pool.map} over a million trivial inputs vs Python's
 * {@code Pool.map} (default chunking); {@code submit} one by one with a future each vs
 * {@code ProcessPoolExecutor.submit} and {@code imap_unordered(chunksize=1)}; the time from a
 * task's deadline to its failure reported and its process gone; a replacement worker's readiness
 * vs a bare JVM start.
 *
 * <p>Run: {@code java -cp procpool-bench/target/procpool-bench.jar:procpool-bench/target/lib/*
 * dev.procpool.bench.PoolCompare [--out FILE]} after {@code mvn -B -q install -DskipTests}.
 */
public final class PoolCompare {
    private static final int MAP_INPUTS = 1_000_000;
    private static final int SUBMITS = 200_000;
    private static final int REPEATS = 3;

    private PoolCompare() {
    }

    public static void main(String[] args) throws Exception {
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out") && i + 1 < args.length) {
                out = Path.of(args[++i]);
            }
        }
        String python = runPython();
        double pyMap = number(python, "map_per_s");
        double pyPpe = number(python, "ppe_submit_per_s");
        double pyImap = number(python, "imap_unordered_c1_per_s");

        WorkerOptions quiet = WorkerOptions.builder().output(OutputHandler.discard()).build();
        double map;
        double submit;
        try (Pool pool = Pool.create(PoolOptions.builder().minWorkers(2).maxWorkers(2).workerOptions(quiet).build())) {
            List<Integer> inputs = new ArrayList<>(MAP_INPUTS);
            for (int i = 0; i < MAP_INPUTS; i++) {
                inputs.add(i);
            }
            pool.map(Tasks.<Integer>identity(), inputs.subList(0, 10_000)); // warm-up
            map = 0;
            for (int r = 0; r < REPEATS; r++) {
                long t = System.nanoTime();
                List<Integer> res = pool.map(Tasks.<Integer>identity(), inputs);
                double rate = MAP_INPUTS / ((System.nanoTime() - t) / 1e9);
                if (res.size() != MAP_INPUTS) {
                    throw new IllegalStateException("map lost results");
                }
                map = Math.max(map, rate);
            }
            submit = 0;
            for (int r = 0; r < REPEATS + 1; r++) {
                long t = System.nanoTime();
                List<TaskHandle<Integer>> hs = new ArrayList<>(SUBMITS);
                for (int i = 0; i < SUBMITS; i++) {
                    final int x = i;
                    hs.add(pool.submit(() -> x + 1));
                }
                for (TaskHandle<Integer> h : hs) {
                    h.future().get();
                }
                double rate = SUBMITS / ((System.nanoTime() - t) / 1e9);
                if (r > 0) {
                    submit = Math.max(submit, rate); // the first round warms up
                }
            }
        }

        Duration grace = Duration.ofMillis(100);
        long[] timeoutLatency = new long[10];
        try (Pool pool = Pool.create(PoolOptions.builder().minWorkers(1).maxWorkers(1).grace(grace).workerOptions(quiet).build())) {
            pool.submit(() -> 1).future().get();
            for (int i = 0; i < timeoutLatency.length; i++) {
                long pid = pool.submit(() -> ProcessHandle.current().pid()).future().get();
                Duration timeout = Duration.ofMillis(200);
                long start = System.nanoTime();
                TaskHandle<Integer> spin = pool.submit(PoolCompare::spinIgnoringInterrupts, TaskOptions.<Integer>builder().timeout(timeout).build());
                try {
                    spin.future().get();
                    throw new IllegalStateException("the spinning task returned");
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TaskTimeoutException)) {
                        throw e;
                    }
                }
                while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !zombie(pid)) {
                    Thread.onSpinWait();
                }
                timeoutLatency[i] = System.nanoTime() - start - timeout.toNanos();
            }
        }
        Arrays.sort(timeoutLatency);

        long[] replacement = new long[10];
        long[] bare = new long[10];
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (Pool pool = Pool.create(PoolOptions.builder().minWorkers(1).maxWorkers(1).workerOptions(quiet).build())) {
            for (int i = 0; i < replacement.length; i++) {
                long pid = pool.submit(() -> ProcessHandle.current().pid()).future().get();
                long t = System.nanoTime();
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                long next;
                do {
                    // a task submitted at the kill may meet the dying worker; it is retried on the replacement
                    next = pool.submit(() -> ProcessHandle.current().pid(),
                            TaskOptions.<Long>builder().retriesOnWorkerDeath(1).build()).future().get();
                } while (next == pid);
                replacement[i] = System.nanoTime() - t;
                long b = System.nanoTime();
                Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                        HelloWorld.class.getName()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                p.waitFor();
                bare[i] = System.nanoTime() - b;
            }
        }
        Arrays.sort(replacement);
        Arrays.sort(bare);

        double tl = timeoutLatency[timeoutLatency.length / 2] / 1e6;
        double rep = replacement[replacement.length / 2] / 1e6;
        double bareMs = bare[bare.length / 2] / 1e6;
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Java %s, %d CPUs; Python %s; 2 process workers, best of %d runs.%n%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                text(python, "python_version"), REPEATS));
        md.append("| metric | procpool | reference | ratio | target | |\n|---|---|---|---|---|---|\n");
        row(md, "`map` over 1,000,000 trivial inputs (inputs/s)", map, "Python `Pool.map`, default chunking", pyMap,
                map / pyMap, "≥ 1.0×", map / pyMap >= 1.0);
        row(md, "`submit` one by one, a future each (tasks/s)", submit, "`ProcessPoolExecutor.submit`", pyPpe,
                submit / pyPpe, "≥ 25×", submit / pyPpe >= 25);
        row(md, "`submit` one by one, a future each (tasks/s)", submit, "`imap_unordered(chunksize=1)`", pyImap,
                submit / pyImap, "≥ 5×", submit / pyImap >= 5);
        md.append(String.format(Locale.ROOT, "| deadline → failure reported and process gone (ms, median of %d; grace %d ms) | %.1f | target 100 ms + grace | | ≤ %d ms | %s |%n",
                timeoutLatency.length, grace.toMillis(), tl, 100 + grace.toMillis(), tl <= 100 + grace.toMillis() ? "pass" : "FAIL"));
        row(md, "replacement worker ready after a SIGKILL (ms, median)", rep, "bare hello-world JVM start (ms)", bareMs,
                rep / bareMs, "≤ 1.3×", rep / bareMs <= 1.3);
        System.out.print(md);
        if (out != null) {
            Files.writeString(out, md.toString());
        }
    }

    private static void row(StringBuilder md, String metric, double value, String ref, double refValue, double ratio,
            String target, boolean pass) {
        md.append(String.format(Locale.ROOT, "| %s | %,.0f | %s: %,.0f | %.2f× | %s | %s |%n", metric, value, ref, refValue,
                ratio, target, pass ? "pass" : "FAIL"));
    }

    /** A task that spins and swallows interrupts: only killing its process stops it. */
    static Integer spinIgnoringInterrupts() {
        long x = 0;
        while (x >= 0) {
            x++;
            Thread.interrupted();
        }
        return (int) x;
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException e) {
            return true;
        }
    }

    private static String runPython() throws IOException, InterruptedException {
        Path script = Path.of("procpool-bench/src/main/python/mp_pool_bench.py");
        if (!Files.exists(script)) {
            script = Path.of("src/main/python/mp_pool_bench.py");
        }
        Process p = new ProcessBuilder("python3", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String json;
        try (InputStream in = p.getInputStream()) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("python3 " + script + " failed");
        }
        return json;
    }

    private static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*([0-9.eE+-]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + key + " in " + json);
        }
        return Double.parseDouble(m.group(1));
    }

    private static String text(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : "?";
    }
}
