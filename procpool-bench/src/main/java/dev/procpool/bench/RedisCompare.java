package dev.procpool.bench;

import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.Task;
import dev.procpool.TaskHandle;
import dev.procpool.WorkerOptions;
import dev.procpool.redis.RedisNode;
import dev.procpool.redis.RedisPool;
import dev.procpool.redis.RedisPoolOptions;
import dev.procpool.redis.RedisTask;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The pool over Redis beside a local {@link Pool} measured in the same run:
 * tasks per second and the round trip of one task through Redis with 1, 2 and 3 node JVMs (2
 * worker processes each), and the time from a node's SIGKILL to its task running on another node.
 * Starts its own {@code redis-server} on a free port (no persistence) and stops it, and its nodes,
 * by pid.
 *
 * <p>Run: {@code java -cp procpool-bench/target/procpool-bench.jar:procpool-bench/target/lib/*
 * dev.procpool.bench.RedisCompare [--out FILE]}; {@code procpool-bench/run-redis-compare.sh}
 * does that and puts the table in docs/BENCHMARKS.md.
 */
public final class RedisCompare {
    private static final int TASKS = 20_000;
    private static final int ROUND_TRIPS = 300;
    private static final int REPEATS = 3;
    private static final int WORKERS_PER_NODE = 2;
    private static final long CLAIM_IDLE_MS = 1_000;
    private static final long HEARTBEAT_MS = 200;

    private RedisCompare() {
    }

    public static void main(String[] args) throws Exception {
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out") && i + 1 < args.length) {
                out = Path.of(args[++i]);
            }
        }
        Path dir = Files.createTempDirectory("procpool-redis-bench");
        StringBuilder md = new StringBuilder();
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        double[] local = localPool();
        md.append("| setup | tasks/s (best of ").append(REPEATS).append(", ").append(TASKS)
                .append(" tasks) | vs local pool | round trip median | p90 | vs local pool (median) |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        md.append(String.format(Locale.ROOT, "| local `Pool`, %d process workers (reference) | %,.0f | 1.00 | %.0f µs | %.0f µs | 1.00 |%n",
                WORKERS_PER_NODE, local[0], local[1], local[2]));
        Process redis = startRedis(dir);
        int port = redisPort;
        String url = "redis://127.0.0.1:" + port;
        long failoverMs;
        try {
            List<Process> nodes = new ArrayList<>();
            try {
                for (int n = 1; n <= 3; n++) {
                    nodes.add(startNode(dir, url, "n" + n));
                    awaitReady(dir, nodes, n);
                    double[] r = throughRedis(url);
                    md.append(String.format(Locale.ROOT, "| Redis, %d node%s × %d workers | %,.0f | %.2f | %.0f µs | %.0f µs | %.2f |%n",
                            n, n == 1 ? "" : "s", WORKERS_PER_NODE, r[0], r[0] / local[0], r[1], r[2], r[1] / local[1]));
                }
                failoverMs = failover(dir, url, nodes);
            } finally {
                for (Process p : nodes) {
                    p.destroy();
                    if (!p.waitFor(30, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                }
            }
        } finally {
            redis.destroy();
            redis.waitFor(10, TimeUnit.SECONDS);
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        md.append(String.format(Locale.ROOT, "%nA node's death to its task running on another node: **%,d ms** with "
                + "`claimIdle` %,d ms and heartbeat %,d ms (the claim must sit idle for `claimIdle`, then the next "
                + "look for stalled tasks, at most a heartbeat later, takes it: %,d ms beyond `claimIdle`).%n",
                failoverMs, CLAIM_IDLE_MS, HEARTBEAT_MS, failoverMs - CLAIM_IDLE_MS));
        md.append(String.format(Locale.ROOT, "%nLoad average before: %s; after: %s.%n", loadBefore, loadAfter));
        System.out.print(md);
        if (out != null) {
            Files.writeString(out, md.toString());
        }
    }

    /** {tasks/s, median µs, p90 µs} of a local pool with the workers of one node. */
    private static double[] localPool() throws Exception {
        try (Pool pool = Pool.create(PoolOptions.builder().minWorkers(WORKERS_PER_NODE).maxWorkers(WORKERS_PER_NODE)
                .workerOptions(WorkerOptions.builder().output(OutputHandler.discard()).build()).build())) {
            double best = 0;
            for (int r = 0; r <= REPEATS; r++) {
                long t0 = System.nanoTime();
                List<TaskHandle<Integer>> hs = new ArrayList<>(TASKS);
                for (int i = 0; i < TASKS; i++) {
                    hs.add(pool.submit(square(i)));
                }
                for (TaskHandle<Integer> h : hs) {
                    h.future().get();
                }
                double rate = TASKS / ((System.nanoTime() - t0) / 1e9);
                best = r == 0 ? best : Math.max(best, rate); // the first round warms up
            }
            long[] rt = new long[ROUND_TRIPS];
            for (int i = -50; i < ROUND_TRIPS; i++) {
                long t0 = System.nanoTime();
                pool.submit(square(i)).future().get();
                if (i >= 0) {
                    rt[i] = System.nanoTime() - t0;
                }
            }
            return new double[] {best, pct(rt, 50), pct(rt, 90)};
        }
    }

    /** {tasks/s, median µs, p90 µs} through Redis with the nodes that are up. */
    private static double[] throughRedis(String url) throws Exception {
        try (RedisPool pool = RedisPool.connect(RedisPoolOptions.builder().url(url).build())) {
            List<Task<Integer>> tasks = new ArrayList<>(TASKS);
            for (int i = 0; i < TASKS; i++) {
                tasks.add(square(i));
            }
            double best = 0;
            for (int r = 0; r <= REPEATS; r++) {
                long t0 = System.nanoTime();
                List<RedisTask<Integer>> hs = pool.submitAll(tasks, null);
                for (RedisTask<Integer> h : hs) {
                    h.future().get();
                }
                double rate = TASKS / ((System.nanoTime() - t0) / 1e9);
                best = r == 0 ? best : Math.max(best, rate);
            }
            long[] rt = new long[ROUND_TRIPS];
            for (int i = -50; i < ROUND_TRIPS; i++) {
                long t0 = System.nanoTime();
                pool.submit(square(i)).future().get();
                if (i >= 0) {
                    rt[i] = System.nanoTime() - t0;
                }
            }
            return new double[] {best, pct(rt, 50), pct(rt, 90)};
        }
    }

    /** Milliseconds from SIGKILL of the node running a task to the task's start on another node. */
    private static long failover(Path dir, String url, List<Process> nodes) throws Exception {
        Path log = dir.resolve("starts.log");
        Path gate = dir.resolve("gate");
        try (RedisPool pool = RedisPool.connect(RedisPoolOptions.builder().url(url).build())) {
            String l = log.toString();
            String g = gate.toString();
            RedisTask<Long> t = pool.submit(() -> markAndWait(l, g));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lines(log).isEmpty()) {
                check(deadline);
                Thread.sleep(1);
            }
            long holder = Long.parseLong(lines(log).get(0));
            Process victim = nodes.stream().filter(p -> p.pid() == holder).findFirst().orElseThrow();
            long killed = System.nanoTime();
            victim.destroyForcibly();
            nodes.remove(victim);
            while (lines(log).size() < 2) {
                check(deadline);
                Thread.sleep(1);
            }
            long restarted = System.nanoTime();
            victim.waitFor();
            Files.createFile(gate);
            t.future().get(60, TimeUnit.SECONDS);
            return TimeUnit.NANOSECONDS.toMillis(restarted - killed);
        }
    }

    private static void check(long deadline) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("no node took the task over within 60 s");
        }
    }

    private static List<String> lines(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    /** Writes the node's pid (the worker's parent) to {@code log}, then waits for {@code gate}. */
    static long markAndWait(String log, String gate) throws Exception {
        long node = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        Files.writeString(Path.of(log), node + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        while (!Files.exists(Path.of(gate))) {
            Thread.sleep(5);
        }
        return node;
    }

    static Task<Integer> square(int x) {
        return () -> x * x;
    }

    private static double pct(long[] nanos, int p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, s.length * p / 100)] / 1_000.0;
    }

    private static int redisPort;

    private static Process startRedis(Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        redisPort = port;
        Process p = new ProcessBuilder("redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", dir.toString(), "--port", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return p;
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IOException("redis-server did not start: " + Files.readString(dir.resolve("redis.log")));
                }
                Thread.sleep(10);
            }
        }
    }

    private static Process startNode(Path dir, String url, String name) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), RedisNode.class.getName(), "--redis", url,
                "--name", name, "--workers", Integer.toString(WORKERS_PER_NODE), "--prefetch", "64",
                "--claim-idle-ms", Long.toString(CLAIM_IDLE_MS), "--heartbeat-ms", Long.toString(HEARTBEAT_MS));
        return new ProcessBuilder(cmd).redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile()).start();
    }

    private static void awaitReady(Path dir, List<Process> nodes, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 1; i <= count; i++) {
            Path outFile = dir.resolve("n" + i + ".out");
            Process p = nodes.get(i - 1);
            // the node prints "... ready" on stdout once it takes tasks
            while (!(Files.exists(outFile) && Files.readString(outFile).contains("ready"))) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("node n" + i + " did not start: "
                            + Files.readString(dir.resolve("n" + i + ".err")));
                }
                Thread.sleep(20);
            }
        }
    }
}
