package dev.procpool.bench;

import dev.procpool.OutputHandler;
import dev.procpool.PersistentWorker;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.TaskHandle;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The pool engine's hot path beside its references, in one JVM run: submit one by one with a
 * future on 2 process workers against the persistent-worker enqueue path; and the warm round trip
 * through a pool ({@code submit(...).get()}) and a persistent worker against a raw 16-byte
 * loopback TCP echo between two JVMs, with the context switches each side makes per round trip.
 *
 * <p>Run by {@code procpool-bench/run-core-compare.sh}, which pins the JVM for the two scheduler
 * regimes: {@code throughput}; {@code roundtrip same} (this JVM and its peers on CPU 0);
 * {@code roundtrip across} (this JVM on CPU 0, each peer moved to CPU 1). Prints {@code key value}
 * lines.
 */
public final class CoreCompare {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int SUBMITS = 100_000;
    private static final int WARM_TRIPS = 5_000;
    private static final int TRIPS = 20_000;

    private CoreCompare() {
    }

    public static void main(String[] args) throws Exception {
        WorkerOptions quiet = WorkerOptions.builder().output(OutputHandler.discard()).build();
        if (args[0].equals("throughput")) {
            throughput(quiet);
        } else {
            roundTrips(quiet, args[1].equals("across"));
        }
    }

    private static void throughput(WorkerOptions quiet) throws Exception {
        double pool = 0;
        try (Pool p = Pool.create(PoolOptions.builder().minWorkers(2).maxWorkers(2).workerOptions(quiet).build())) {
            for (int r = 0; r < 4; r++) {
                long t0 = System.nanoTime();
                List<TaskHandle<Integer>> hs = new ArrayList<>(SUBMITS);
                for (int i = 0; i < SUBMITS; i++) {
                    final int x = i;
                    hs.add(p.submit(() -> x + 1));
                }
                for (int i = 0; i < SUBMITS; i++) {
                    if (hs.get(i).future().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS) != i + 1) {
                        throw new IllegalStateException("wrong result for task " + i);
                    }
                }
                double rate = SUBMITS / ((System.nanoTime() - t0) / 1e9);
                if (r > 0) {
                    pool = Math.max(pool, rate); // the first run warms up
                }
                print("pool_submit_run_" + r + "_per_s", rate);
            }
        }
        print("pool_submit_per_s", pool);
        double persistent = 0;
        List<PersistentWorker<Integer, Integer>> ws = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                ws.add(Workers.persistent(WorkerType.PROCESS, Tasks.<Integer>identity(), quiet));
            }
            for (int r = 0; r < 4; r++) {
                double rate = Compare.pipelined(ws, SUBMITS);
                if (r > 0) {
                    persistent = Math.max(persistent, rate);
                }
                print("persistent_enqueue_run_" + r + "_per_s", rate);
            }
        } finally {
            for (PersistentWorker<Integer, Integer> w : ws) {
                w.close();
            }
        }
        print("persistent_enqueue_per_s", persistent);
    }

    /** What one kind of round trip needs: a call, and the peer process. */
    private interface Trip {
        void once() throws Exception;
    }

    private static void roundTrips(WorkerOptions quiet, boolean across) throws Exception {
        String regime = across ? "across" : "same";
        // the raw echo
        String java = ProcessHandle.current().info().command().orElse("java");
        Process echo = new ProcessBuilder("taskset", "-c", across ? "1" : "0", java, "-cp",
                System.getProperty("java.class.path"), EchoServer.class.getName(), "tcp", "16")
                .redirectErrorStream(true).start();
        BufferedReader lines = new BufferedReader(new InputStreamReader(echo.getInputStream()));
        String ready = lines.readLine();
        if (ready == null || !ready.startsWith("READY ")) {
            throw new IOException("echo server did not start: " + ready);
        }
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                Integer.parseInt(ready.substring(6).trim())))) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer out = ByteBuffer.allocateDirect(16);
            ByteBuffer in = ByteBuffer.allocateDirect(16);
            measure("echo_" + regime, echo.pid(), () -> {
                out.clear();
                out.putLong(0, 42);
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                in.clear();
                while (in.hasRemaining()) {
                    if (ch.read(in) < 0) {
                        throw new IOException("echo server closed the connection");
                    }
                }
            });
        }
        echo.waitFor(10, TimeUnit.SECONDS);

        try (Pool p = Pool.create(PoolOptions.builder().minWorkers(1).maxWorkers(1).workerOptions(quiet).build())) {
            long pid = p.submit(() -> ProcessHandle.current().pid()).future().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            place(pid, across);
            measure("pool_" + regime, pid, () -> {
                if (p.submit(Tasks.one()).future().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS) != 1) {
                    throw new IllegalStateException("wrong result");
                }
            });
        }

        try (PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, Tasks.<Integer>identity(), quiet)) {
            w.enqueue(0);
            w.nextResult(TIMEOUT);
            place(w.pid(), across);
            measure("persistent_" + regime, w.pid(), () -> {
                w.enqueue(7);
                if (w.nextResult(TIMEOUT) != 7) {
                    throw new IllegalStateException("wrong result");
                }
            });
        }
    }

    /** Moves every thread of a worker to CPU 1 (across) or leaves it with this JVM on CPU 0. */
    private static void place(long pid, boolean across) throws Exception {
        if (across) {
            Process t = new ProcessBuilder("taskset", "-a", "-p", "-c", "1", Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (t.waitFor() != 0) {
                throw new IOException("taskset failed for " + pid);
            }
        }
    }

    private static void measure(String name, long peerPid, Trip trip) throws Exception {
        for (int i = 0; i < WARM_TRIPS; i++) {
            trip.once();
        }
        long[] samples = new long[TRIPS];
        long selfBefore = switches(ProcessHandle.current().pid());
        long peerBefore = switches(peerPid);
        for (int i = 0; i < TRIPS; i++) {
            long t = System.nanoTime();
            trip.once();
            samples[i] = System.nanoTime() - t;
        }
        long selfAfter = switches(ProcessHandle.current().pid());
        long peerAfter = switches(peerPid);
        Arrays.sort(samples);
        print(name + "_median_us", samples[TRIPS / 2] / 1000.0);
        print(name + "_p10_us", samples[TRIPS / 10] / 1000.0);
        print(name + "_p90_us", samples[TRIPS * 9 / 10] / 1000.0);
        print(name + "_ctx_self_per_trip", (selfAfter - selfBefore) / (double) TRIPS);
        print(name + "_ctx_peer_per_trip", (peerAfter - peerBefore) / (double) TRIPS);
    }

    /** Voluntary and involuntary context switches of every thread of a process. */
    private static long switches(long pid) throws IOException {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    for (String l : Files.readAllLines(t.resolve("status"))) {
                        if (l.startsWith("voluntary_ctxt_switches:") || l.startsWith("nonvoluntary_ctxt_switches:")) {
                            sum += Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // a thread that ended meanwhile
                }
            }
        }
        return sum;
    }

    private static void print(String key, double value) {
        System.out.println(key + " " + String.format(Locale.ROOT, "%.3f", value));
    }
}
