package dev.procpool.bench;

import dev.procpool.PersistentWorker;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerState;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The end-to-end comparison of procpool's single workers: in one run, measures procpool and the references
 * it is judged against (a raw 16-byte echo between two JVMs over a Unix domain socket and over
 * loopback TCP, Python's multiprocessing.Pool, a bare hello-world JVM, a bare idle JVM), and prints
 * a Markdown table of ratios against targets, then details and observations.
 *
 * <pre>
 * java -cp procpool-bench/target/procpool-bench.jar:procpool-bench/target/lib/* \
 *     dev.procpool.bench.Compare --out /tmp/compare-17.md
 * </pre>
 *
 * <p>Options: {@code --out FILE} (also write the tables there), {@code --python EXE} (default
 * {@code python3}), {@code --python-script FILE} (default: found beside the jar, in
 * {@code ../src/main/python/mp_bench.py}), {@code --quick} (fewer samples, for trying the harness;
 * its numbers are not the benchmark's), {@code --skip-python}.
 *
 * <p>Nothing is pinned to a CPU and nothing else is tuned: the processes run as a user's would.
 * The measurements run one after another, never overlapping.
 *
 * <p>Why one file of this size: every measurement feeds the one table and its observations, and
 * the harness reads best top to bottom, in the order it runs.
 */
public final class Compare {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final boolean quick;
    private final String python;
    private final Path pythonScript;
    private final boolean skipPython;
    private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final String benchClasspath = benchLocation();

    private final List<Row> rows = new ArrayList<>();
    private final List<String[]> details = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private double persistentFirstMs = Double.NaN;
    private double closeMs = Double.NaN;

    private Compare(boolean quick, String python, Path pythonScript, boolean skipPython) {
        this.quick = quick;
        this.python = python;
        this.pythonScript = pythonScript;
        this.skipPython = skipPython;
    }

    public static void main(String[] args) throws Exception {
        Path out = null;
        boolean quick = false;
        boolean skipPython = false;
        String python = "python3";
        Path script = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--quick" -> quick = true;
                case "--python" -> python = args[++i];
                case "--python-script" -> script = Path.of(args[++i]);
                case "--skip-python" -> skipPython = true;
                case "-h", "--help" -> {
                    System.out.println("usage: Compare [--out FILE] [--quick] [--python EXE] [--python-script FILE] [--skip-python]");
                    return;
                }
                default -> {
                    System.err.println("unknown argument: " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (script == null) {
            script = defaultPythonScript();
        }
        Compare c = new Compare(quick, python, script, skipPython);
        String report = c.run();
        System.out.println(report);
        if (out != null) {
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            Files.writeString(out, report, StandardCharsets.UTF_8);
            System.err.println("[compare] written to " + out);
        }
        // worker threads are daemons; the shutdown hook of procpool stops any straggler
        System.exit(0);
    }

    private String run() throws Exception {
        String loadBefore = loadavg();
        long started = System.nanoTime();

        // Python first, while this JVM is idle: it must not share the machine with anything of ours.
        Map<String, Double> py = skipPython ? Map.of() : python();
        RoundTrips rt = roundTrips();
        double rtUs = rt.procpoolUs();
        double echoUs = rt.sameChannelUs();
        double threadRtUs = threadRoundTrip();
        double tput = throughput();
        double[] start = startToFirstResult();
        double[] rss = idleRss();

        String loadAfter = loadavg();
        double minutes = (System.nanoTime() - started) / 60e9;

        double pyApply = py.getOrDefault("apply_median_us", Double.NaN);
        double pyImap1 = py.getOrDefault("imap1_tasks_per_s", Double.NaN);
        double pyBest = py.getOrDefault("imap_best_tasks_per_s", Double.NaN);
        double pyBestChunk = py.getOrDefault("imap_best_chunksize", Double.NaN);

        rows.add(Row.lowerIsBetter("Warm round trip, persistent process worker vs raw 16-byte echo between two JVMs over the "
                + "same kind of channel (" + (rt.tcp() ? "loopback TCP" : "UDS") + ") (median)", rtUs, echoUs, "µs", 1.5));
        if (rt.tcp()) {
            rows.add(Row.info("Warm round trip vs raw 16-byte UDS echo (the floor of a Unix socket; informational)",
                    rtUs, rt.udsUs(), "µs"));
        }
        rows.add(Row.lowerIsBetter("Warm round trip, persistent process worker vs Python Pool(2).apply on a warm pool (median)",
                rtUs, pyApply, "µs", 0.5));
        rows.add(Row.higherIsBetter("Throughput, 200,000 tasks enqueued one by one on 2 process workers vs Python "
                + "imap_unordered(chunksize=1)", tput, pyImap1, "tasks/s", 5.0));
        rows.add(Row.higherIsBetter("Throughput (stretch) vs Python imap_unordered with its best chunk size ("
                + (Double.isNaN(pyBestChunk) ? "?" : String.valueOf((long) pyBestChunk)) + ")", tput, pyBest, "tasks/s", 1.0));
        // JDK 25+ workers start from an AOT cache, so the bar is a hello world without one
        boolean aot = Runtime.version().feature() >= 25;
        rows.add(Row.lowerIsBetter("Start to first result, Workers.start(PROCESS, () -> 1)" + (aot ? " with its AOT cache" : "")
                + " vs bare hello-world JVM (median)", start[0], start[1], "ms", aot ? 1.0 : 1.3));
        rows.add(Row.absolute("Idle RSS of a persistent process worker, default options (reference: bare idle JVM with "
                + "a worker's JVM flags and classpath)", rss[0], rss[1], "MiB", 48.0));

        notes.add("Round trip: the median procpool call takes " + fmt(rtUs - echoUs, 1) + " µs more than the median raw "
                + "echo (" + fmt(echoUs, 1) + " µs); a THREAD worker, which has procpool's hand-offs but no IPC, takes "
                + fmt(threadRtUs, 1) + " µs.");
        notes.add("Start: the one-shot worker's " + fmt(start[0], 1) + " ms include the child's exit (its result is only "
                + "available once the worker is terminal); a persistent worker's first result arrives after "
                + fmt(persistentFirstMs, 1) + " ms (" + fmt(persistentFirstMs / start[1], 2) + "× hello world), and close() "
                + "of an idle persistent worker takes " + fmt(closeMs, 1) + " ms.");
        notes.add("Throughput: " + fmt(1e6 / tput, 2) + " µs per task with 2 workers pipelined; Python chunksize=1 spends "
                + fmt(1e6 / pyImap1, 2) + " µs per task, its best chunking " + fmt(1e6 / pyBest, 3) + " µs.");

        StringBuilder sb = new StringBuilder();
        sb.append("### ").append(javaDescription()).append("\n\n");
        sb.append("| metric | procpool | reference | ratio | target | result |\n");
        sb.append("| --- | ---: | ---: | ---: | --- | --- |\n");
        for (Row r : rows) {
            sb.append(r.markdown()).append('\n');
        }
        long pass = rows.stream().filter(r -> "PASS".equals(r.verdict())).count();
        long judged = rows.stream().filter(r -> !"info".equals(r.verdict())).count();
        sb.append("\n").append(pass).append(" of ").append(judged).append(" targets pass")
                .append(quick ? " (QUICK MODE: too few samples to be the benchmark's numbers)" : "").append(".\n\n");

        sb.append("Details:\n\n| measurement | value |\n| --- | --- |\n");
        for (String[] d : details) {
            sb.append("| ").append(d[0]).append(" | ").append(d[1]).append(" |\n");
        }
        sb.append("| load average before / after | ").append(loadBefore).append(" / ").append(loadAfter).append(" |\n");
        sb.append("| harness wall time | ").append(fmt(minutes, 1)).append(" min |\n");
        if (!notes.isEmpty()) {
            sb.append("\nObservations from this run:\n\n");
            for (String n : notes) {
                sb.append("- ").append(n).append('\n');
            }
        }
        return sb.toString();
    }

    // ---- a/c. references ----

    /** Runs the Python script and reads the flat JSON it prints. */
    private Map<String, Double> python() throws IOException, InterruptedException {
        log("python multiprocessing references (" + pythonScript + ")");
        List<String> cmd = new ArrayList<>(List.of(python, pythonScript.toString()));
        if (quick) {
            cmd.addAll(List.of("--rounds", "2000", "--tasks", "50000", "--repeats", "1"));
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        int code = p.waitFor();
        if (code != 0 || !json.startsWith("{")) {
            notes.add("The Python reference failed (exit " + code + "); its rows are n/a.");
            return Map.of();
        }
        Map<String, Double> m = new LinkedHashMap<>();
        Matcher num = Pattern.compile("\"([a-z0-9_]+)\"\\s*:\\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)").matcher(json);
        while (num.find()) {
            m.put(num.group(1), Double.parseDouble(num.group(2)));
        }
        Matcher str = Pattern.compile("\"([a-z0-9_]+)\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        Map<String, String> s = new LinkedHashMap<>();
        while (str.find()) {
            s.put(str.group(1), str.group(2));
        }
        details.add(new String[] {"Python", s.getOrDefault("python_version", "?") + ", start method "
                + s.getOrDefault("start_method", "?") + ", Pool(" + m.getOrDefault("processes", 2.0).intValue() + ")"});
        details.add(new String[] {"Python Pool.apply round trip p10 / median / p90 / p99",
                us(m.get("apply_p10_us")) + " / " + us(m.get("apply_median_us")) + " / " + us(m.get("apply_p90_us"))
                        + " / " + us(m.get("apply_p99_us")) + " µs (" + m.getOrDefault("apply_rounds", 0.0).intValue()
                        + " calls)"});
        details.add(new String[] {"Python imap_unordered(chunksize=1), runs", s.getOrDefault("imap1_runs", "?")
                + " tasks/s (best counts)"});
        StringBuilder chunks = new StringBuilder();
        for (Map.Entry<String, Double> e : m.entrySet()) {
            Matcher c = Pattern.compile("imap_chunk_(\\d+)_tasks_per_s").matcher(e.getKey());
            if (c.matches()) {
                chunks.append(chunks.length() == 0 ? "" : ", ").append(c.group(1)).append(": ").append(rate(e.getValue()));
            }
        }
        details.add(new String[] {"Python imap_unordered by chunk size (best of runs)", chunks + " tasks/s"});
        return m;
    }

    /**
     * a + b. The physical floor (16 bytes to a second JVM and back, over a Unix domain socket and
     * over loopback TCP) and procpool's warm round trip, measured in alternating blocks so that
     * all see the same machine. On two vCPUs a round trip is bimodal: ~5–20 µs when the peers
     * share a CPU, ~55–80 µs when every message wakes the other CPU, and which one a pair gets is
     * the scheduler's choice (an echo pair flips between blocks; a procpool worker tends to keep
     * its placement for its life). So procpool's blocks use a fresh worker every two rounds, and
     * the details split every kind's blocks by regime.
     */
    private RoundTrips roundTrips() throws Exception {
        log("raw echo between two JVMs (UDS and loopback TCP) and procpool's warm round trip "
                + "(persistent PROCESS workers), interleaved");
        int warm = quick ? 2000 : 10_000;
        int rounds = quick ? 4 : 8;
        int perBlock = quick ? 2000 : 4000;
        int n = rounds * perBlock;
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "ppecho");
        List<Peer> peers = new ArrayList<>();
        PersistentWorker<Integer, Integer> w = null;
        try {
            peers.add(Peer.unix(java, benchClasspath, dir.resolve("s")));
            peers.add(Peer.tcp(java, benchClasspath));
            String channel = null;
            long self = ProcessHandle.current().pid();
            // kinds: 0 = UDS echo, 1 = TCP echo, 2 = procpool
            long[][] samples = new long[3][n];
            long[][] switches = new long[3][2];
            for (Peer p : peers) {
                p.run(new long[warm]);
            }
            List<String> perWorker = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                if (round % 2 == 0) {
                    if (w != null) {
                        perWorker.add(fmt(new Stats(Arrays.copyOfRange(samples[2], (round - 2) * perBlock, round * perBlock))
                                .median() / 1e3, 1));
                        w.close();
                    }
                    w = Workers.persistent(WorkerType.PROCESS, Tasks.<Integer>identity());
                    channel = channelOf(w);
                    roundTrips(w, new long[warm]);
                }
                long[] peerPid = {peers.get(0).server.pid(), peers.get(1).server.pid(), w.pid()};
                for (int j = 0; j < 3; j++) {
                    int kind = (round + j) % 3;
                    long[] part = new long[perBlock];
                    long c0 = contextSwitches(self);
                    long p0 = contextSwitches(peerPid[kind]);
                    if (kind == 2) {
                        roundTrips(w, part);
                    } else {
                        peers.get(kind).run(part);
                    }
                    switches[kind][0] += contextSwitches(self) - c0;
                    switches[kind][1] += contextSwitches(peerPid[kind]) - p0;
                    System.arraycopy(part, 0, samples[kind], round * perBlock, perBlock);
                }
            }
            perWorker.add(fmt(new Stats(Arrays.copyOfRange(samples[2], (rounds - 2) * perBlock, rounds * perBlock))
                    .median() / 1e3, 1));
            String[] names = {"raw UDS echo", "raw loopback TCP echo", "procpool round trip, process worker"};
            double[] medians = new double[3];
            Regimes[] regimes = new Regimes[3];
            for (int k = 0; k < 3; k++) {
                Stats st = new Stats(samples[k]);
                medians[k] = st.median() / 1e3;
                regimes[k] = new Regimes(samples[k], rounds, perBlock);
                details.add(new String[] {names[k] + ": p10 / median / p90 / p99", st.spreadUs() + "; block medians "
                        + blockMedians(samples[k], rounds, perBlock)});
            }
            details.add(new String[] {"procpool round trip: median of each of the " + perWorker.size() + " workers "
                    + "(a fresh one every 2 rounds)", String.join(", ", perWorker) + " µs"});
            details.add(new String[] {"round trips: samples and warm-up", n + " each, after " + warm + " warm-up calls per "
                    + "connection or worker, in " + rounds + " rounds of alternating blocks of " + perBlock});
            details.add(new String[] {"round trips by regime: blocks whose median is under / over 35 µs (same CPU / "
                    + "across CPUs), count and median; UDS echo; TCP echo; procpool", regimes[0] + "; " + regimes[1] + "; "
                    + regimes[2]});
            details.add(new String[] {"context switches per round trip (voluntary + involuntary, all threads of each side): "
                    + "UDS echo; TCP echo; procpool", ctx(switches[0], n, "client", "server") + "; "
                    + ctx(switches[1], n, "client", "server") + "; " + ctx(switches[2], n, "controller", "child")});
            details.add(new String[] {"procpool's channel to its child (from its launch command)", channel});
            boolean tcp = channel.startsWith("loopback TCP");
            Regimes floor = regimes[tcp ? 1 : 0];
            Regimes pp = regimes[2];
            String kind = tcp ? "TCP" : "UDS";
            StringBuilder note = new StringBuilder("Round trip by regime (procpool vs the " + kind + " echo): ");
            note.append(pp.sameCount > 0 && floor.sameCount > 0 ? "on one CPU " + fmt(pp.same, 1) + " vs " + fmt(floor.same, 1)
                    + " µs = " + fmt(pp.same / floor.same, 2) + "×" : "on one CPU: not seen for both");
            note.append(pp.crossCount > 0 && floor.crossCount > 0 ? "; across CPUs " + fmt(pp.cross, 1) + " vs "
                    + fmt(floor.cross, 1) + " µs = " + fmt(pp.cross / floor.cross, 2) + "×" : "; across CPUs: not seen for both");
            note.append(". The overall medians mix the regimes in whatever proportion the scheduler chose in this run.");
            notes.add(note.toString());
            return new RoundTrips(medians[2], medians[0], medians[1], channel);
        } finally {
            if (w != null) {
                w.close();
            }
            for (Peer p : peers) {
                p.close();
            }
            Files.deleteIfExists(dir.resolve("s"));
            Files.deleteIfExists(dir);
        }
    }

    /** Blocks split by their median: same CPU (under 35 µs) or across CPUs. */
    private static final class Regimes {
        static final double THRESHOLD_NS = 35_000;
        final int sameCount;
        final int crossCount;
        final double same;
        final double cross;

        Regimes(long[] all, int blocks, int perBlock) {
            List<long[]> sameBlocks = new ArrayList<>();
            List<long[]> crossBlocks = new ArrayList<>();
            for (int b = 0; b < blocks; b++) {
                long[] part = Arrays.copyOfRange(all, b * perBlock, (b + 1) * perBlock);
                (new Stats(part).median() < THRESHOLD_NS ? sameBlocks : crossBlocks).add(part);
            }
            sameCount = sameBlocks.size();
            crossCount = crossBlocks.size();
            same = sameCount == 0 ? Double.NaN : new Stats(concat(sameBlocks)).median() / 1e3;
            cross = crossCount == 0 ? Double.NaN : new Stats(concat(crossBlocks)).median() / 1e3;
        }

        private static long[] concat(List<long[]> parts) {
            long[] all = new long[parts.stream().mapToInt(p -> p.length).sum()];
            int at = 0;
            for (long[] p : parts) {
                System.arraycopy(p, 0, all, at, p.length);
                at += p.length;
            }
            return all;
        }

        @Override
        public String toString() {
            return sameCount + " × " + fmt(same, 1) + " / " + crossCount + " × " + fmt(cross, 1) + " µs";
        }
    }

    private record RoundTrips(double procpoolUs, double udsUs, double tcpUs, String channel) {
        boolean tcp() {
            return channel.startsWith("loopback TCP");
        }

        double sameChannelUs() {
            return tcp() ? tcpUs : udsUs;
        }
    }

    private static String ctx(long[] sw, int n, String a, String b) {
        return fmt((double) sw[0] / n, 2) + " " + a + " + " + fmt((double) sw[1] / n, 2) + " " + b;
    }

    /** What procpool's child connects to: the argument after the child's main class in its command line. */
    private static String channelOf(PersistentWorker<?, ?> w) {
        String cmd = w.launchCommand().orElse("");
        Matcher m = Pattern.compile("ChildMain\\s+(\\S+)").matcher(cmd);
        if (!m.find()) {
            return "unknown (assumed UDS)";
        }
        String target = m.group(1);
        return target.matches("\\d+") ? "loopback TCP (port " + target + ")" : "Unix domain socket (" + target + ")";
    }

    /** An echo server in a second JVM and our connection to it. */
    private static final class Peer {
        final Process server;
        final SocketChannel ch;
        private final ByteBuffer out = ByteBuffer.allocateDirect(16);
        private final ByteBuffer in = ByteBuffer.allocateDirect(16);
        private long seq;

        private Peer(Process server, SocketChannel ch) {
            this.server = server;
            this.ch = ch;
        }

        static Peer unix(String java, String cp, Path sock) throws IOException {
            Process p = new ProcessBuilder(java, "-cp", cp, EchoServer.class.getName(), "unix", sock.toString(), "16")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            ready(p);
            return new Peer(p, SocketChannel.open(UnixDomainSocketAddress.of(sock)));
        }

        static Peer tcp(String java, String cp) throws IOException {
            Process p = new ProcessBuilder(java, "-cp", cp, EchoServer.class.getName(), "tcp", "16")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String line = ready(p);
            int port = Integer.parseInt(line.substring("READY ".length()).trim());
            SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            return new Peer(p, ch);
        }

        private static String ready(Process p) throws IOException {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            if (line == null || !line.startsWith("READY")) {
                p.toHandle().destroyForcibly();
                throw new IOException("echo server did not start: " + line);
            }
            return line;
        }

        /** One round trip per sample: 16 bytes out, 16 bytes back. */
        void run(long[] samples) throws IOException {
            for (int i = 0; i < samples.length; i++) {
                long v = seq++;
                long t0 = System.nanoTime();
                out.clear();
                out.putLong(v).putLong(~v).flip();
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                in.clear();
                while (in.hasRemaining()) {
                    if (ch.read(in) < 0) {
                        throw new IOException("echo server closed the connection");
                    }
                }
                samples[i] = System.nanoTime() - t0;
                if (in.getLong(0) != v) {
                    throw new IOException("echo server answered garbage");
                }
            }
        }

        void close() throws InterruptedException {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the server sees EOF or dies below
            }
            if (!server.waitFor(5, TimeUnit.SECONDS)) {
                server.toHandle().destroyForcibly();
            }
        }
    }

    private static String blockMedians(long[] all, int blocks, int perBlock) {
        List<String> m = new ArrayList<>();
        for (int b = 0; b < blocks; b++) {
            m.add(fmt(new Stats(Arrays.copyOfRange(all, b * perBlock, (b + 1) * perBlock)).median() / 1e3, 1));
        }
        return String.join(", ", m) + " µs";
    }

    /** Context switches of every thread of a process so far (0 if it is gone). */
    private static long contextSwitches(long pid) {
        long sum = 0;
        try (var tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks) {
                try {
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // a thread that ended meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return sum;
    }

    /** Informational: the same with a THREAD worker, i.e. procpool's own hand-offs without any IPC. */
    private double threadRoundTrip() throws Exception {
        log("procpool warm round trip (persistent THREAD worker, informational)");
        int warm = quick ? 2000 : 10_000;
        int n = quick ? 5000 : 20_000;
        Stats s;
        try (PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.THREAD, Tasks.<Integer>identity())) {
            roundTrips(w, new long[warm]);
            long[] t = new long[n];
            roundTrips(w, t);
            s = new Stats(t);
        }
        details.add(new String[] {"procpool round trip, thread worker (no IPC; informational), p10 / median / p90 / p99",
                s.spreadUs()});
        return s.median() / 1e3;
    }

    /** One round trip per sample: enqueue, then nextResult. */
    private static void roundTrips(PersistentWorker<Integer, Integer> w, long[] samples) throws Exception {
        for (int i = 0; i < samples.length; i++) {
            Integer arg = i;
            long t0 = System.nanoTime();
            w.enqueue(arg);
            Integer back = w.nextResult(TIMEOUT);
            samples[i] = System.nanoTime() - t0;
            if (!arg.equals(back)) {
                throw new IllegalStateException("call " + i + " came back as " + back);
            }
        }
    }

    // ---- d. throughput ----

    private double throughput() throws Exception {
        int tasks = quick ? 50_000 : 200_000;
        log("procpool throughput, " + tasks + " tasks over 2 persistent PROCESS workers");
        List<PersistentWorker<Integer, Integer>> ws = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                ws.add(Workers.persistent(WorkerType.PROCESS, Tasks.<Integer>identity()));
            }
            pipelined(ws, quick ? 10_000 : 50_000); // warm-up
            double best = 0;
            List<String> runs = new ArrayList<>();
            long self = ProcessHandle.current().pid();
            long c0 = contextSwitches(self);
            long w0 = contextSwitches(ws.get(0).pid()) + contextSwitches(ws.get(1).pid());
            for (int r = 0; r < 3; r++) {
                double rate = pipelined(ws, tasks);
                runs.add(rate(rate));
                best = Math.max(best, rate);
            }
            long c1 = contextSwitches(self);
            long w1 = contextSwitches(ws.get(0).pid()) + contextSwitches(ws.get(1).pid());
            details.add(new String[] {"context switches per task during the throughput runs: controller; both children",
                    fmt((c1 - c0) / (3.0 * tasks), 2) + "; " + fmt((w1 - w0) / (3.0 * tasks), 2)});
            details.add(new String[] {"procpool throughput runs (best counts)", String.join(", ", runs) + " tasks/s"});
            List<String> rss = new ArrayList<>();
            for (PersistentWorker<Integer, Integer> w : ws) {
                rss.add(fmt(procStatus(w.pid()).getOrDefault("VmRSS", -1L) / 1024.0, 1));
            }
            long calls = (quick ? 10_000 : 50_000) / 2 + 3L * tasks / 2;
            details.add(new String[] {"informational: RSS of the 2 throughput workers after " + fmt(calls, 0)
                    + " calls each (not idle)", String.join(", ", rss) + " MiB"});
            return best;
        } finally {
            for (PersistentWorker<Integer, Integer> w : ws) {
                w.close();
            }
        }
    }

    /**
     * One producer enqueues {@code n} tasks one by one, round-robin over the workers; one consumer
     * thread takes the results as they come (each worker answers in order, so the consumer takes
     * them round-robin too). Returns tasks per second from the first enqueue to the last result.
     */
    static double pipelined(List<PersistentWorker<Integer, Integer>> ws, int n) throws Exception {
        int k = ws.size();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong end = new AtomicLong();
        Thread consumer = new Thread(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    Integer v = ws.get(i % k).nextResult(TIMEOUT);
                    if (v != i) {
                        throw new IllegalStateException("task " + i + " came back as " + v);
                    }
                }
                end.set(System.nanoTime());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "bench-consumer");
        consumer.start();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            ws.get(i % k).enqueue(i);
        }
        consumer.join();
        if (failure.get() != null) {
            throw new IllegalStateException("throughput run failed", failure.get());
        }
        return n / ((end.get() - t0) / 1e9);
    }

    // ---- e. start to first result ----

    /** Returns {procpool median ms, hello-world median ms}. */
    private double[] startToFirstResult() throws Exception {
        int runs = quick ? 5 : 15;
        log("start to first result vs hello-world JVM, " + runs + " runs each, interleaved");
        ProcessBuilder hello = new ProcessBuilder(java, "-cp", benchClasspath, HelloWorld.class.getName())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
        // warm-up: loads procpool's controller classes here, lets procpool write its class data
        // archive if it keeps one (the first worker of a classpath does; on JDK 25 the AOT cache is
        // assembled in the background after it, so wait until no archive is being made), fills
        // the page cache
        for (int i = 0; i < 2; i++) {
            tryOneShot();
            tryPersistent();
        }
        awaitNoArchiveInTheMaking();
        List<String> workerLike = new ArrayList<>();
        workerLike.add(java);
        workerLike.addAll(workerJvmFlags());
        workerLike.addAll(List.of("-cp", System.getProperty("java.class.path"), HelloWorld.class.getName()));
        ProcessBuilder helloLikeWorker = new ProcessBuilder(workerLike)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
        for (int i = 0; i < 2; i++) {
            helloOnce(hello);
            helloOnce(helloLikeWorker);
        }
        long[] pp = new long[runs];
        long[] hw = new long[runs];
        long[] pers = new long[runs];
        long[] closes = new long[runs];
        long[] hwLike = new long[runs];
        for (int i = 0; i < runs; i++) {
            hwLike[i] = helloOnce(helloLikeWorker);
            long[] pc;
            if (i % 2 == 0) {
                hw[i] = helloOnce(hello);
                pp[i] = tryOneShot();
                pc = tryPersistent();
            } else {
                pc = tryPersistent();
                pp[i] = tryOneShot();
                hw[i] = helloOnce(hello);
            }
            pers[i] = pc[0];
            closes[i] = pc[1];
        }
        pp = successful(pp);
        pers = successful(pers);
        closes = successful(closes);
        if (!startFailures.isEmpty()) {
            details.add(new String[] {"FAILED worker starts (left out of the timings; " + (2 + runs) + " one-shot and "
                    + (2 + runs) + " persistent starts in all)", startFailures.size() + ": " + String.join("; ", startFailures)});
            notes.add(startFailures.size() + " of " + 2 * (2 + runs) + " worker starts FAILED (see the details): that is a "
                    + "procpool bug, not noise; the start timings leave them out.");
        }
        if (pp.length == 0 || pers.length == 0) {
            throw new IllegalStateException("every procpool start failed: " + startFailures);
        }
        Stats p = new Stats(pp);
        Stats h = new Stats(hw);
        Stats q = new Stats(pers);
        details.add(new String[] {"start to result, one-shot process worker (until terminal, child exit included) min / median / max",
                p.rangeMs()});
        details.add(new String[] {"bare hello-world JVM (`java -cp procpool-bench.jar HelloWorld`, until waitFor) min / median / max",
                h.rangeMs()});
        details.add(new String[] {"informational: hello-world JVM with a worker's JVM flags (" + String.join(" ", workerJvmFlags())
                + ") and classpath (" + System.getProperty("java.class.path").split(System.getProperty("path.separator")).length
                + " entries) min / median / max", new Stats(hwLike).rangeMs()});
        details.add(new String[] {"informational: persistent process worker, creation to first nextResult (child still running) "
                + "min / median / max", q.rangeMs()});
        details.add(new String[] {"informational: close() of that idle persistent worker (END_INPUT until COMPLETED) "
                + "min / median / max", new Stats(closes).rangeMs()});
        persistentFirstMs = q.median() / 1e6;
        closeMs = new Stats(closes).median() / 1e6;
        return new double[] {p.median() / 1e6, h.median() / 1e6};
    }

    private final List<String> startFailures = new ArrayList<>();

    /** Waits (at most a minute) until procpool's archive directory holds no lock, i.e. nothing is being archived. */
    private static void awaitNoArchiveInTheMaking() throws InterruptedException {
        String configured = System.getProperty("procpool.cds.dir");
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path dir = configured != null ? Path.of(configured)
                : (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                        .resolve("procpool").resolve("cds");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try (var files = Files.list(dir)) {
                if (files.noneMatch(f -> f.getFileName().toString().endsWith(".lock"))) {
                    return;
                }
            } catch (IOException e) {
                return; // no directory: no archive
            }
            Thread.sleep(50); // a harness polling a directory another process writes
        }
    }

    /** {@link #oneShotOnce()}, or -1 with the failure noted. */
    private long tryOneShot() throws InterruptedException {
        try {
            return oneShotOnce();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            startFailures.add("one-shot: " + e);
            return -1;
        }
    }

    /** {@link #persistentFirstResultOnce()}, or {-1, -1} with the failure noted. */
    private long[] tryPersistent() throws InterruptedException {
        try {
            return persistentFirstResultOnce();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            startFailures.add("persistent: " + e);
            return new long[] {-1, -1};
        }
    }

    private static long[] successful(long[] samples) {
        return Arrays.stream(samples).filter(v -> v >= 0).toArray();
    }

    private static long helloOnce(ProcessBuilder pb) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        int code = p.waitFor();
        long dt = System.nanoTime() - t0;
        if (code != 0) {
            throw new IllegalStateException("hello world exited with " + code);
        }
        return dt;
    }

    private static long oneShotOnce() throws Exception {
        long t0 = System.nanoTime();
        Worker<Integer> w = Workers.start(WorkerType.PROCESS, Tasks.one());
        try {
            if (!w.await(TIMEOUT)) {
                throw new IllegalStateException("one-shot worker did not finish: " + w);
            }
            Integer v = w.result();
            long dt = System.nanoTime() - t0;
            if (v != 1) {
                throw new IllegalStateException("one-shot worker returned " + v);
            }
            return dt;
        } finally {
            w.close();
        }
    }

    /** Returns {creation to first result, close() of the idle worker}, in nanoseconds. */
    private static long[] persistentFirstResultOnce() throws Exception {
        long t0 = System.nanoTime();
        PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, Tasks.<Integer>identity());
        long first;
        try {
            w.enqueue(7);
            Integer v = w.nextResult(TIMEOUT);
            first = System.nanoTime() - t0;
            if (v != 7) {
                throw new IllegalStateException("persistent worker returned " + v);
            }
        } catch (Exception | Error e) {
            w.kill();
            throw e;
        }
        long t1 = System.nanoTime();
        w.close();
        long closing = System.nanoTime() - t1;
        if (w.state() != WorkerState.COMPLETED) {
            throw new IllegalStateException("persistent worker did not complete on close: " + w.exit());
        }
        return new long[] {first, closing};
    }

    // ---- f. idle RSS ----

    /** Returns {procpool worker RSS MiB, bare idle JVM with a worker's flags and classpath RSS MiB}. */
    private double[] idleRss() throws Exception {
        log("idle RSS");
        int samples = quick ? 1 : 3;
        double[] worker = new double[samples];
        String workerBreakdown = "";
        for (int i = 0; i < samples; i++) {
            try (PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, Tasks.<Integer>identity())) {
                w.enqueue(1);
                w.nextResult(TIMEOUT);
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                while (w.state() != WorkerState.RUNNING && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                Thread.sleep(1000);
                Map<String, Long> st = procStatus(w.pid());
                worker[i] = st.getOrDefault("VmRSS", -1L) / 1024.0;
                workerBreakdown = breakdown(st);
            }
        }
        List<String> likeWorker = new ArrayList<>(workerJvmFlags());
        likeWorker.addAll(List.of("-cp", System.getProperty("java.class.path")));
        double[] bareLike = new double[samples];
        double[] bareDefault = new double[samples];
        String bareBreakdown = "";
        for (int i = 0; i < samples; i++) {
            Map<String, Long> st = bareIdle(likeWorker);
            bareLike[i] = st.getOrDefault("VmRSS", -1L) / 1024.0;
            bareBreakdown = breakdown(st);
            bareDefault[i] = bareIdle(List.of("-cp", benchClasspath)).getOrDefault("VmRSS", -1L) / 1024.0;
        }
        Arrays.sort(worker);
        Arrays.sort(bareLike);
        Arrays.sort(bareDefault);
        double w = worker[samples / 2];
        double b = bareLike[samples / 2];
        details.add(new String[] {"idle process worker (default options), 1 s after one call", fmt(w, 1) + " MiB (median of "
                + samples + "; " + workerBreakdown + ")"});
        details.add(new String[] {"bare idle JVM (HelloWorld idle) with a worker's JVM flags and classpath", fmt(b, 1)
                + " MiB (" + bareBreakdown + ")"});
        details.add(new String[] {"bare idle JVM, default flags, bench jar only", fmt(bareDefault[samples / 2], 1) + " MiB"});
        return new double[] {w, b};
    }

    private Map<String, Long> bareIdle(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(args);
        cmd.addAll(List.of(HelloWorld.class.getName(), "idle"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            r.readLine();
            Thread.sleep(1000);
            return procStatus(p.pid());
        } finally {
            p.toHandle().destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.toHandle().destroyForcibly();
            }
        }
    }

    private List<String> workerFlags;

    /**
     * The JVM flags procpool gives a child by default, read from a worker's launch command
     * (without a flag that would make the reference JVM write a class data archive itself).
     */
    private List<String> workerJvmFlags() throws Exception {
        if (workerFlags == null) {
            PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, Tasks.<Integer>identity());
            try {
                List<String> flags = new ArrayList<>();
                for (String token : w.launchCommand().orElse("").split("\\s+")) {
                    if (token.length() > 1 && token.startsWith("'") && token.endsWith("'")) {
                        token = token.substring(1, token.length() - 1);
                    }
                    if (token.equals("-cp") || token.equals("-classpath")) {
                        break;
                    }
                    if (token.startsWith("-X") && !token.contains("ArchiveClassesAtExit")) {
                        flags.add(token);
                    }
                }
                workerFlags = flags;
            } finally {
                w.close();
            }
        }
        return workerFlags;
    }

    private static String breakdown(Map<String, Long> st) {
        return "RssAnon " + fmt(st.getOrDefault("RssAnon", -1L) / 1024.0, 1) + ", RssFile "
                + fmt(st.getOrDefault("RssFile", -1L) / 1024.0, 1) + ", threads " + st.getOrDefault("Threads", -1L);
    }

    /** The numeric fields of /proc/PID/status, sizes in KiB. */
    private static Map<String, Long> procStatus(long pid) throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            Matcher x = Pattern.compile("^(\\w+):\\s+(\\d+)(?:\\s+kB)?$").matcher(line);
            if (x.matches()) {
                m.put(x.group(1), Long.parseLong(x.group(2)));
            }
        }
        return m;
    }

    // ---- helpers ----

    private static String benchLocation() {
        try {
            return Path.of(Compare.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path defaultPythonScript() {
        Path here = Path.of(benchLocation());
        for (Path base = here; base != null; base = base.getParent()) {
            for (String rel : List.of("src/main/python/mp_bench.py", "procpool-bench/src/main/python/mp_bench.py")) {
                Path p = base.resolve(rel);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        return Path.of("procpool-bench/src/main/python/mp_bench.py");
    }

    private static String javaDescription() {
        return "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ")";
    }

    private static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | UncheckedIOException e) {
            return "?";
        }
    }

    private static void log(String s) {
        System.err.println("[compare] " + s);
    }

    static String fmt(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    private static String us(Double v) {
        return v == null ? "n/a" : fmt(v, 1);
    }

    private static String rate(double v) {
        return fmt(v, 0);
    }

    /** Sorted samples in nanoseconds. */
    private static final class Stats {
        private final long[] s;

        Stats(long[] samples) {
            this.s = samples.clone();
            Arrays.sort(s);
        }

        double median() {
            int n = s.length;
            return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
        }

        double pct(double p) {
            int i = (int) Math.round(p / 100.0 * (s.length - 1));
            return s[Math.max(0, Math.min(s.length - 1, i))];
        }

        String spreadUs() {
            return fmt(pct(10) / 1e3, 1) + " / " + fmt(median() / 1e3, 1) + " / " + fmt(pct(90) / 1e3, 1) + " / "
                    + fmt(pct(99) / 1e3, 1) + " µs";
        }

        String rangeMs() {
            return fmt(s[0] / 1e6, 1) + " / " + fmt(median() / 1e6, 1) + " / " + fmt(s[s.length - 1] / 1e6, 1) + " ms";
        }
    }

    /** One line of the main table. */
    private record Row(String metric, double value, double reference, String unit, String kind, double target) {
        static Row lowerIsBetter(String metric, double v, double ref, String unit, double maxRatio) {
            return new Row(metric, v, ref, unit, "max-ratio", maxRatio);
        }

        static Row higherIsBetter(String metric, double v, double ref, String unit, double minRatio) {
            return new Row(metric, v, ref, unit, "min-ratio", minRatio);
        }

        static Row info(String metric, double v, double ref, String unit) {
            return new Row(metric, v, ref, unit, "info", Double.NaN);
        }

        static Row absolute(String metric, double v, double ref, String unit, double max) {
            return new Row(metric, v, ref, unit, "max-abs", max);
        }

        double ratio() {
            return value / reference;
        }

        String verdict() {
            if (Double.isNaN(value) || value < 0) {
                return "n/a";
            }
            return switch (kind) {
                case "info" -> "info";
                case "max-ratio" -> Double.isNaN(reference) ? "n/a" : ratio() <= target ? "PASS" : "FAIL";
                case "min-ratio" -> Double.isNaN(reference) ? "n/a" : ratio() >= target ? "PASS" : "FAIL";
                default -> value <= target ? "PASS" : "FAIL";
            };
        }

        String markdown() {
            int decimals = unit.equals("tasks/s") ? 0 : 1;
            String targetText = switch (kind) {
                case "max-ratio" -> "≤ " + fmt(target, 1) + "×";
                case "min-ratio" -> "≥ " + fmt(target, 1) + "×";
                case "info" -> "—";
                default -> "≤ " + fmt(target, 0) + " " + unit;
            };
            return "| " + metric + " | " + fmt(value, decimals) + " " + unit + " | " + fmt(reference, decimals) + " " + unit
                    + " | " + (Double.isNaN(reference) ? "n/a" : fmt(ratio(), 2) + "×") + " | " + targetText + " | "
                    + verdict() + " |";
        }
    }
}
