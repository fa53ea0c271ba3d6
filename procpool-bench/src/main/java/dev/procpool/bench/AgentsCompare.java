package dev.procpool.bench;

import dev.procpool.OutputHandler;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.agents.Agent;
import dev.procpool.agents.AgentSpec;
import dev.procpool.agents.Recipient;
import dev.procpool.agents.Supervisor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Messaging between two agents in separate worker processes (through the supervisor), beside
 * Python's {@code multiprocessing.Queue} between two processes measured in the same run
 * ({@code mp_queue_bench.py}) and the multitools seed's ~13,000 messages/s:
 * <ul>
 *   <li>throughput: one agent sends {@value #MESSAGES} short strings to another, which
 *       acknowledges the last; messages per second from the first send to the acknowledgement,
 *       best of {@value #REPEATS} runs (each run is a fresh supervisor, after one warm-up run);</li>
 *   <li>the same with a small record ({@code Reading(int, double)}) instead of a string;</li>
 *   <li>round trip: one agent sends a string, the other sends it back; median and 99th percentile
 *       over {@value #ROUNDS} exchanges after {@value #WARMUP} warm-up exchanges (with 2,000, the
 *       99th percentile still caught the JIT compiling: ~1-3 ms instead of ~60 µs).</li>
 * </ul>
 *
 * <p>Run: {@code procpool-bench/run-agents-compare.sh} (builds nothing; package first).
 */
public final class AgentsCompare {
    static final int MESSAGES = 200_000;
    static final int REPEATS = 3;
    static final int ROUNDS = 5_000;
    static final int WARMUP = 20_000;
    static final double SEED_MSGS_PER_S = 13_000;

    private AgentsCompare() {
    }

    /** A small user-defined message: goes through Java serialization, unlike a string. */
    record Reading(int sequence, double value) implements java.io.Serializable {
    }

    /** Sends MESSAGES strings (or records) to "sink", waits for its acknowledgement, reports the rate. */
    static final class Source extends Agent {
        private static final long serialVersionUID = 1L;
        private final boolean records;

        Source(boolean records) {
            this.records = records;
        }

        @Override
        protected void run() throws Exception {
            Recipient sink = ids("sink");
            send(sink, "warm");
            nextMessage(); // the sink is up and has answered once
            long t0 = System.nanoTime();
            for (int i = 0; i < MESSAGES; i++) {
                send(sink, records ? new Reading(i, i * 0.5) : "message");
            }
            nextMessage();
            long t = System.nanoTime() - t0;
            send(Recipient.SUPERVISOR, "rate " + (MESSAGES * 1e9 / t));
        }
    }

    static final class Sink extends Agent {
        private static final long serialVersionUID = 1L;

        @Override
        protected void run() throws Exception {
            nextMessage();
            int from = sender();
            send(Recipient.id(from), "ready");
            for (int i = 0; i < MESSAGES; i++) {
                nextMessage();
            }
            send(Recipient.id(from), "all received");
        }
    }

    static final class Pinger extends Agent {
        private static final long serialVersionUID = 1L;

        @Override
        protected void run() throws Exception {
            Recipient echo = ids("echo");
            long[] rtt = new long[ROUNDS];
            for (int i = 0; i < WARMUP + ROUNDS; i++) {
                long t0 = System.nanoTime();
                send(echo, "ping");
                nextMessage();
                if (i >= WARMUP) {
                    rtt[i - WARMUP] = System.nanoTime() - t0;
                }
            }
            send(echo, "stop");
            Arrays.sort(rtt);
            send(Recipient.SUPERVISOR, "rtt " + rtt[ROUNDS / 2] / 1e3 + " " + rtt[ROUNDS * 99 / 100] / 1e3);
        }
    }

    static final class Echo extends Agent {
        private static final long serialVersionUID = 1L;

        @Override
        protected void run() throws Exception {
            while (true) {
                Object m = nextMessage();
                if ("stop".equals(m)) {
                    return;
                }
                send(Recipient.id(sender()), m);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out") && i + 1 < args.length) {
                out = Path.of(args[++i]);
            }
        }
        WorkerOptions quiet = WorkerOptions.builder().output(OutputHandler.discard()).build();
        double best = 0;
        StringBuilder runs = new StringBuilder();
        for (int r = 0; r <= REPEATS; r++) {
            double rate = Double.parseDouble(run(quiet, new Source(false), "source", new Sink(), "sink").substring(5));
            if (r > 0) { // the first run warms up the supervisor's side
                best = Math.max(best, rate);
                runs.append(runs.length() == 0 ? "" : " ").append(Math.round(rate));
            }
        }
        double bestRecords = 0;
        StringBuilder recordRuns = new StringBuilder();
        for (int r = 0; r < REPEATS; r++) {
            double rate = Double.parseDouble(run(quiet, new Source(true), "source", new Sink(), "sink").substring(5));
            bestRecords = Math.max(bestRecords, rate);
            recordRuns.append(recordRuns.length() == 0 ? "" : " ").append(Math.round(rate));
        }
        String[] rtt = run(quiet, new Pinger(), "pinger", new Echo(), "echo").split(" ");
        double median = Double.parseDouble(rtt[1]);
        double p99 = Double.parseDouble(rtt[2]);

        String python = runPython();
        double pyRate = number(python, "queue_msgs_per_s");
        double pyMedian = number(python, "queue_rtt_median_us");
        double pyP99 = number(python, "queue_rtt_p99_us");

        String table = String.format(Locale.ROOT, """
                | two agents in separate processes | procpool agents | Python multiprocessing.Queue | procpool / Python |
                | --- | ---: | ---: | ---: |
                | messages/s, a short string (best of %d; runs: %s / %s) | %,.0f | %,.0f | %.2fx (higher is better) |
                | round trip, median | %.1f µs | %.1f µs | %.2fx (lower is better) |
                | round trip, p99 | %.1f µs | %.1f µs | %.2fx (lower is better) |
                | messages/s vs the multitools seed (~13,000) | %,.0f | | %.1fx the seed |
                | messages/s, a small record (runs: %s) | %,.0f | | |
                """, REPEATS, runs, text(python, "queue_msgs_per_s_runs"), best, pyRate, best / pyRate,
                median, pyMedian, median / pyMedian, p99, pyP99, p99 / pyP99, best, best / SEED_MSGS_PER_S,
                recordRuns, bestRecords);
        String header = String.format(Locale.ROOT, "JDK %s, Python %s (start method %s), %d CPUs, load before %s",
                System.getProperty("java.version"), text(python, "python_version"), text(python, "start_method"),
                Runtime.getRuntime().availableProcessors(), loadAverage());
        System.out.println(header);
        System.out.print(table);
        if (out != null) {
            Files.writeString(out, header + "\n\n" + table);
        }
    }

    private static String run(WorkerOptions quiet, Agent a, String aName, Agent b, String bName) throws Exception {
        List<Object> reports = new CopyOnWriteArrayList<>();
        Supervisor.builder()
                .add(AgentSpec.of(bName, b).type(WorkerType.PROCESS).options(quiet),
                        AgentSpec.of(aName, a).type(WorkerType.PROCESS).options(quiet))
                .messageHandler((name, id, m) -> reports.add(m))
                .build().supervise(Duration.ofMinutes(5));
        return (String) reports.get(0);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String runPython() throws IOException, InterruptedException {
        Path script = Path.of("procpool-bench/src/main/python/mp_queue_bench.py");
        if (!Files.exists(script)) {
            script = Path.of("src/main/python/mp_queue_bench.py");
        }
        String python = System.getenv().getOrDefault("PYTHON", "python3");
        Process p = new ProcessBuilder(python, script.toString(), "--messages", String.valueOf(MESSAGES),
                "--repeats", String.valueOf(REPEATS), "--rounds", String.valueOf(ROUNDS))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String json;
        try (InputStream in = p.getInputStream()) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException(python + " " + script + " failed");
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
