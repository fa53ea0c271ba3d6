package dev.procpool.bench;

import dev.procpool.OutputHandler;
import dev.procpool.PersistentWorker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.logs.JsonLinesSink;
import dev.procpool.logs.LogSink;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Log lines per second from a worker that floods, brought home, each beside a
 * reference measured in the same run: stdout lines read by a procpool worker's output pump vs
 * a plain {@code ProcessBuilder} child read line by line (the pipe's ceiling); SLF4J events
 * shipped to the controller's {@code LogSink} vs the same events written by the child's own
 * logback to a local file (what a worker would do without procpool); and the shipped events
 * written as JSON lines by {@link JsonLinesSink}.
 *
 * <p>Each measurement: a persistent worker already up and warmed with a small flood; the clock
 * runs from the call until the controller has counted the last line or event. Best of 5.
 *
 * <p>Run: {@code java -cp procpool-bench/target/procpool-bench.jar:procpool-bench/target/lib/*
 * dev.procpool.bench.LogFlood [--lines N] [--out FILE]} after {@code mvn -B -q package -DskipTests}
 * (or {@code procpool-bench/run-logs.sh}, which runs it on JDK 17 and 25 and updates
 * docs/BENCHMARKS.md).
 */
public final class LogFlood {
    private static final int REPEATS = 5;
    private static final List<AutoCloseable> WORKERS = new ArrayList<>();

    private LogFlood() {
    }

    /** Prints {@code n} numbered lines to stdout; for the plain child. */
    public static final class PrintLines {
        public static void main(String[] args) {
            int n = Integer.parseInt(args[0]);
            for (int i = 0; i < n; i++) {
                System.out.println("line " + i + " of the flood, about as long as a log line");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int lines = 300_000;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--lines") && i + 1 < args.length) {
                lines = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--out") && i + 1 < args.length) {
                out = Path.of(args[++i]);
            }
        }
        Path tmp = Files.createTempDirectory("procpool-logflood");
        List<String[]> rows = new ArrayList<>();
        double pipe = best(lines, n -> plainChild(n));
        double stdout = best(lines, stdoutFlood());
        rows.add(new String[] {"stdout lines, procpool output pump", rate(stdout), rate(pipe), ratio(stdout, pipe)});
        double ownLogback = best(lines, childOwnLogback(tmp));
        double shipped = best(lines, slf4jFlood(null));
        rows.add(new String[] {"SLF4J events shipped to a LogSink", rate(shipped), rate(ownLogback), ratio(shipped, ownLogback)});
        Path json = tmp.resolve("events.jsonl");
        try (JsonLinesSink sink = JsonLinesSink.open(json)) {
            double jsonRate = best(lines, slf4jFlood(sink));
            rows.add(new String[] {"SLF4J events shipped, written by JsonLinesSink", rate(jsonRate), rate(ownLogback),
                    ratio(jsonRate, ownLogback)});
        }
        StringBuilder md = new StringBuilder();
        String jvm = System.getProperty("java.vm.name") + " " + System.getProperty("java.version");
        md.append("Log flood, ").append(String.format(Locale.ROOT, "%,d", lines)).append(" lines or events per run, ")
                .append(jvm).append(", best of ").append(REPEATS).append(":\n\n");
        md.append("| what (one worker flooding) | procpool per s | reference per s | ratio |\n");
        md.append("| --- | ---: | ---: | ---: |\n");
        for (String[] r : rows) {
            md.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" | ")
                    .append(r[3]).append(" |\n");
        }
        md.append("\nReferences: stdout — a plain `ProcessBuilder` child printing the same lines, read with a "
                + "`BufferedReader`; SLF4J — the worker's own logback (`captureLogs(false)`) writing them to a local file.\n");
        for (AutoCloseable w : WORKERS) {
            w.close();
        }
        System.out.print(md);
        if (out != null) {
            Files.writeString(out, md);
        }
        try (var files = Files.list(tmp)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(tmp);
    }

    /** A measurement: runs a flood of {@code n} and returns the seconds it took. */
    private interface Flood {
        double run(int n) throws Exception;
    }

    private static double best(int lines, Flood flood) throws Exception {
        flood.run(Math.max(1000, lines / 20)); // warm-up
        double best = Double.MAX_VALUE;
        for (int i = 0; i < REPEATS; i++) {
            best = Math.min(best, flood.run(lines));
        }
        return lines / best;
    }

    private static double plainChild(int n) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), PrintLines.class.getName(),
                Integer.toString(n)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long count = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            while (r.readLine() != null) {
                count++;
            }
        }
        p.waitFor();
        if (count != n) {
            throw new IllegalStateException("plain child: " + count + " lines of " + n);
        }
        // the JVM's start is not part of a worker's flood: subtract a bare start measured alike
        long t1 = System.nanoTime();
        long s0 = System.nanoTime();
        new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), PrintLines.class.getName(), "0")
                .redirectErrorStream(true).start().waitFor();
        long start = System.nanoTime() - s0;
        return Math.max(1e-6, (t1 - t0 - start) / 1e9);
    }

    /** A counter that opens a latch at the n-th item. */
    private static final class Counter {
        volatile CountDownLatch done = new CountDownLatch(1);
        final AtomicLong count = new AtomicLong();
        volatile long target;

        void reset(long n) {
            count.set(0);
            target = n;
            done = new CountDownLatch(1);
        }

        void hit() {
            if (count.incrementAndGet() == target) {
                done.countDown();
            }
        }

        void await(String what) throws InterruptedException {
            if (!done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException(what + ": only " + count + " of " + target + " arrived");
            }
        }
    }

    private static Flood stdoutFlood() throws Exception {
        Counter c = new Counter();
        PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, (Integer n) -> {
            for (int i = 0; i < n; i++) {
                System.out.println("line " + i + " of the flood, about as long as a log line");
            }
            return n;
        }, WorkerOptions.builder().name("stdout-flood").output((worker, source, line) -> {
            if (source == OutputHandler.Source.STDOUT) {
                c.hit();
            }
        }).build());
        WORKERS.add(w);
        return timed(w, c, "stdout");
    }

    private static Flood slf4jFlood(LogSink extra) throws Exception {
        Counter c = new Counter();
        Consumer<Object> hit = e -> c.hit();
        LogSink counting = e -> hit.accept(e);
        PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, (Integer n) -> {
            org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("flood");
            for (int i = 0; i < n; i++) {
                log.info("event {} of the flood, about as long as a log line", i);
            }
            return n;
        }, WorkerOptions.builder().name("slf4j-flood").output(OutputHandler.discard())
                .logSink(extra == null ? counting : extra.and(counting)).build());
        WORKERS.add(w);
        return timed(w, c, "slf4j");
    }

    /** The child's own logback writing to a file; the flood ends when the call returns. */
    private static Flood childOwnLogback(Path dir) throws Exception {
        Path config = dir.resolve("child-logback.xml");
        Path file = dir.resolve("child.log");
        Files.writeString(config, "<configuration><appender name=\"F\" class=\"ch.qos.logback.core.FileAppender\">"
                + "<file>" + file + "</file><encoder><pattern>%d %-5level [%thread] %logger - %msg%n</pattern></encoder>"
                + "</appender><root level=\"INFO\"><appender-ref ref=\"F\"/></root></configuration>");
        PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, (Integer n) -> {
            org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("flood");
            for (int i = 0; i < n; i++) {
                log.info("event {} of the flood, about as long as a log line", i);
            }
            return n;
        }, WorkerOptions.builder().name("own-logback").captureLogs(false).output(OutputHandler.discard())
                .systemProperty("logback.configurationFile", config.toString()).build());
        WORKERS.add(w);
        return new Flood() {
            @Override
            public double run(int n) throws Exception {
                long t0 = System.nanoTime();
                w.enqueue(n);
                w.nextResult(Duration.ofMinutes(5));
                return (System.nanoTime() - t0) / 1e9;
            }
        };
    }

    private static Flood timed(PersistentWorker<Integer, Integer> w, Counter c, String what) {
        return new Flood() {
            @Override
            public double run(int n) throws Exception {
                c.reset(n);
                long t0 = System.nanoTime();
                w.enqueue(n);
                w.nextResult(Duration.ofMinutes(5));
                c.await(what);
                return (System.nanoTime() - t0) / 1e9;
            }
        };
    }

    private static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f", perSecond);
    }

    private static String ratio(double a, double b) {
        return String.format(Locale.ROOT, "%.2f×", a / b);
    }
}
