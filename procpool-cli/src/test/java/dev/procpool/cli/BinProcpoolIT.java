package dev.procpool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bin/procpool} as a user runs it, on each JDK the machine has (an integration test: it
 * needs the packaged jar and its lib directory): the first run's output is the command's alone; the
 * class archive appears in the cache directory (an AOT cache made in the background on JDK 25, a
 * dynamic archive written by the first run on JDK 17) with nothing left beside it; the next run
 * uses it and writes nothing new. A JDK that is not installed is reported as a skipped test.
 */
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class BinProcpoolIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().resolve("bin/procpool");

    @ParameterizedTest(name = "JDK {0}")
    @ValueSource(ints = {17, 25})
    void theFirstRunLeavesAClassArchiveThatTheNextOneUses(int feature, @TempDir Path cacheHome) throws Exception {
        Path javaHome = jdkHome(feature);
        Assumptions.assumeTrue(javaHome != null, "no JDK " + feature + " under /usr/lib/jvm; bin/procpool is not tested on it");
        Path cds = cacheHome.resolve("procpool/cds");
        String suffix = feature >= 25 ? ".aot" : ".jsa";

        assertThat(run(javaHome, cacheHome, "run", "echo", ":::", "first")).isEqualTo("first\n");
        await("the archive, alone in " + cds).atMost(DEADLINE).pollInterval(Duration.ofMillis(100))
                .until(() -> files(cds), names -> names.size() == 1 && names.get(0).matches("cli-\\d+\\" + suffix));
        FileTime made = Files.getLastModifiedTime(cds.resolve(files(cds).get(0)));

        assertThat(run(javaHome, cacheHome, "run", "echo", ":::", "second")).isEqualTo("second\n");
        assertThat(files(cds)).hasSize(1);
        assertThat(Files.getLastModifiedTime(cds.resolve(files(cds).get(0)))).as("the archive was used, not made again")
                .isEqualTo(made);
    }

    /** Runs the script; returns its stdout, after checking that it succeeded and wrote nothing on stderr. */
    private static String run(Path javaHome, Path cacheHome, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(SCRIPT.toString()), Stream.of(args)).toList());
        pb.environment().put("JAVA_HOME", javaHome.toString());
        pb.environment().put("XDG_CACHE_HOME", cacheHome.toString());
        pb.environment().remove("PROCPOOL_CDS");
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            String out = read(p.getInputStream());
            assertThat(p.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(err.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).as("stderr").isEmpty();
            assertThat(p.exitValue()).as("exit code; stdout: %s", out).isZero();
            return out;
        } finally {
            p.destroyForcibly();
        }
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    /** A JDK {@code feature} home: this JVM's own if it is that release, else the newest under /usr/lib/jvm. */
    private static Path jdkHome(int feature) throws IOException {
        if (Runtime.version().feature() == feature) {
            return Path.of(System.getProperty("java.home"));
        }
        Path root = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> homes = Files.list(root)) {
            return homes.sorted()
                    .filter(h -> h.getFileName().toString().matches("(java-|temurin-|jdk-?)" + feature + "\\b.*"))
                    .filter(h -> Files.isExecutable(h.resolve("bin/java")))
                    .reduce((a, b) -> b).orElse(null);
        }
    }
}
