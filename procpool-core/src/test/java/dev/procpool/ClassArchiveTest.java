package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.testing.ArchiveControllerMain;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.Jars;
import dev.procpool.testing.LeakCheck;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The class archive of worker JVMs on each JDK the machine has, whichever JDK runs the tests: an
 * AOT cache on JDK 25 (recorded by the first worker, assembled by the controller), a dynamic CDS
 * archive on JDK 17; used by the next worker; nothing about it in the workers' output. A JDK that
 * is not installed is reported as a skipped test, with the reason.
 */
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
@ExtendWith(LeakCheck.class)
class ClassArchiveTest {

    @ParameterizedTest(name = "JDK {0}")
    @ValueSource(ints = {17, 25})
    void theFirstWorkerArchivesItsClassesAndTheNextMapsThem(int feature, @TempDir Path dir) throws Exception {
        Path java = jdk(feature);
        Assumptions.assumeTrue(java != null, "no JDK " + feature + " under /usr/lib/jvm; its class archive is not tested");
        Path cache = dir.resolve("cache");
        Files.createDirectories(cache);

        List<String> lines = runController(java, classpath(dir), cache);

        boolean aot = feature >= 25;
        assertThat(line(lines, "FIRST ")).startsWith("FIRST 42 ")
                .contains(aot ? "-XX:AOTMode=record -XX:AOTConfiguration=" + cache : "-XX:ArchiveClassesAtExit=" + cache);
        assertThat(line(lines, "SECOND ")).startsWith("SECOND 42 ")
                .contains((aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + cache)
                .doesNotContain("AOTMode=record", "ArchiveClassesAtExit");
        assertThat(line(lines, "FILES ")).matches("FILES [0-9a-f]{24}" + (aot ? "\\.aot" : "\\.jsa"));
        assertThat(line(lines, "OUTPUT ")).as("nothing about the archive in the workers' output").isEqualTo("OUTPUT []");
    }

    private static String line(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line " + prefix + "in " + lines));
    }

    /** The controller's output; it must end by itself, with exit code 0. */
    private static List<String> runController(Path java, String classpath, Path cache) throws Exception {
        Process p = new ProcessBuilder(java.toString(), "-cp", classpath, ArchiveControllerMain.class.getName(),
                cache.toString()).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(Deadlines.LONG.toMillis(), TimeUnit.MILLISECONDS)).as(out).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            return out.lines().toList();
        } finally {
            p.destroyForcibly();
        }
    }

    /** A classpath of jars only (directories rule an archive out): the built classes, jarred, and the test's jars. */
    private static String classpath(Path dir) throws Exception {
        Path jar = dir.resolve("app.jar");
        Jars.of(jar, Path.of(Workers.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
                Path.of(ClassArchiveTest.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        List<String> entries = new ArrayList<>(List.of(jar.toString()));
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.endsWith(".jar")) {
                entries.add(e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** The java of JDK {@code feature}: this test's own if it is that release, else one under /usr/lib/jvm. */
    static Path jdk(int feature) throws IOException {
        if (Runtime.version().feature() == feature) {
            return Path.of(System.getProperty("java.home"), "bin", "java");
        }
        Path root = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> homes = Files.list(root)) {
            return homes.sorted()
                    .filter(h -> h.getFileName().toString().matches("(java-|temurin-|jdk-?)" + feature + "\\b.*"))
                    .map(h -> h.resolve("bin/java")).filter(Files::isExecutable)
                    .reduce((a, b) -> b).orElse(null); // the newest update, as .ci/run picks it
        }
    }
}
