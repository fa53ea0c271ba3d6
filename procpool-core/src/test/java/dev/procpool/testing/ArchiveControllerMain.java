package dev.procpool.testing;

import static org.awaitility.Awaitility.await;

import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A controller JVM for the class-archive test, run by the java under test with a classpath of jars:
 * starts one process worker, waits until its archive is in the cache directory given as the
 * argument, starts a second one, and prints what the test checks: {@code FIRST}/{@code SECOND}
 * with each worker's result and launch command, {@code FILES} with the cache directory's files,
 * and {@code OUTPUT} with every line the workers printed.
 */
public final class ArchiveControllerMain {
    private ArchiveControllerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path cache = Path.of(args[0]);
        System.setProperty("procpool.cds.dir", cache.toString());
        List<String> output = new CopyOnWriteArrayList<>();
        WorkerOptions options = WorkerOptions.builder().output((name, source, line) -> output.add(source + ": " + line))
                .build();
        for (String step : List.of("FIRST", "SECOND")) {
            try (Worker<Integer> w = Workers.start(WorkerType.PROCESS, () -> 6 * 7, options)) {
                if (!w.await(Deadlines.LONG)) {
                    throw new AssertionError(step + " worker did not finish");
                }
                System.out.println(step + " " + w.result() + " " + w.launchCommand().orElseThrow().replace('\n', ' '));
            }
            if (step.equals("FIRST")) {
                await("the archive, alone in its directory").atMost(Deadlines.LONG).pollInterval(Duration.ofMillis(50))
                        .until(() -> files(cache), names -> names.size() == 1
                                && (names.get(0).endsWith(".aot") || names.get(0).endsWith(".jsa")));
            }
        }
        System.out.println("FILES " + String.join(" ", files(cache)));
        System.out.println("OUTPUT " + output);
    }

    private static List<String> files(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
