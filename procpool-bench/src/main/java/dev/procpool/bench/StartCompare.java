package dev.procpool.bench;

import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Start-up alone, on the JDK running it: start to first result of a one-shot process worker
 * ({@code Workers.start(PROCESS, () -> 1)}, until the worker is terminal, child exit included)
 * against a bare hello-world JVM ({@code java -cp procpool-bench.jar HelloWorld}, the JDK's default
 * CDS archive only), interleaved; and, for reference, the same worker without its class archive.
 * The worker's archive (an AOT cache on JDK 25+, a dynamic CDS archive before) is made by a warm-up
 * in a fresh cache directory, and the timed runs start once it is in place.
 *
 * <pre>
 * java -cp procpool-bench/target/procpool-bench.jar:procpool-bench/target/lib/* dev.procpool.bench.StartCompare [RUNS]
 * </pre>
 *
 * Prints one Markdown table row per series: min / median / max in ms, and the ratio of medians.
 */
public final class StartCompare {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private StartCompare() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 21;
        Path cache = Files.createTempDirectory("procpool-start-cache");
        System.setProperty("procpool.cds.dir", cache.toString());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String bench = Path.of(StartCompare.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        ProcessBuilder hello = new ProcessBuilder(java, "-cp", bench, HelloWorld.class.getName())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
        WorkerOptions archived = WorkerOptions.defaults();
        WorkerOptions bare = WorkerOptions.builder().classDataSharing(false).build();

        String loadBefore = loadavg();
        oneShot(archived); // records the classes; the archive follows (in the background for an AOT cache)
        long deadline = System.nanoTime() + TIMEOUT.toNanos() * 2;
        while (!archiveReady(cache)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no class archive in " + cache + ": " + files(cache));
            }
            Thread.sleep(50); // a harness, not a test: polling a directory the JVM writes into
        }
        String archive = files(cache).get(0);
        for (int i = 0; i < 2; i++) {
            helloOnce(hello);
            oneShot(archived);
            oneShot(bare);
        }
        long[] h = new long[runs];
        long[] a = new long[runs];
        long[] b = new long[runs];
        for (int i = 0; i < runs; i++) {
            // the order rotates so that a noisy moment does not always hit the same series
            switch (i % 3) {
                case 0 -> {
                    h[i] = helloOnce(hello);
                    a[i] = oneShot(archived);
                    b[i] = oneShot(bare);
                }
                case 1 -> {
                    a[i] = oneShot(archived);
                    b[i] = oneShot(bare);
                    h[i] = helloOnce(hello);
                }
                default -> {
                    b[i] = oneShot(bare);
                    h[i] = helloOnce(hello);
                    a[i] = oneShot(archived);
                }
            }
        }
        String loadAfter = loadavg();
        String kind = archive.endsWith(".aot") ? "AOT cache" : "dynamic CDS archive";
        System.out.printf(Locale.ROOT, "JDK %s, %d runs per series, load average before %s, after %s%n%n",
                Runtime.version(), runs, loadBefore, loadAfter);
        System.out.println("| series | min | median | max | median / hello world |");
        System.out.println("| --- | ---: | ---: | ---: | ---: |");
        row("bare hello-world JVM (`java -cp procpool-bench.jar HelloWorld`)", h, h);
        row("one-shot process worker, start to result, with its " + kind, a, h);
        row("one-shot process worker, start to result, without a class archive", b, h);
        deleteAll(cache);
        System.exit(0);
    }

    private static void row(String what, long[] samples, long[] reference) {
        long[] s = samples.clone();
        long[] r = reference.clone();
        Arrays.sort(s);
        Arrays.sort(r);
        double median = s[s.length / 2] / 1e6;
        System.out.printf(Locale.ROOT, "| %s | %.1f ms | %.1f ms | %.1f ms | %.2f× |%n", what, s[0] / 1e6, median,
                s[s.length - 1] / 1e6, median / (r[r.length / 2] / 1e6));
    }

    private static boolean archiveReady(Path cache) throws IOException {
        List<String> names = files(cache);
        return names.size() == 1 && (names.get(0).endsWith(".aot") || names.get(0).endsWith(".jsa"));
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void deleteAll(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    private static long helloOnce(ProcessBuilder pb) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("hello world failed");
        }
        return System.nanoTime() - t0;
    }

    private static long oneShot(WorkerOptions options) throws Exception {
        long t0 = System.nanoTime();
        try (Worker<Integer> w = Workers.start(WorkerType.PROCESS, Tasks.one(), options)) {
            if (!w.await(TIMEOUT) || w.result() != 1) {
                throw new IllegalStateException("one-shot worker failed: " + w.exit());
            }
            return System.nanoTime() - t0;
        }
    }

    private static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
