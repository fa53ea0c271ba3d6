package demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the README's "Use it in your project" section promises: a fresh Maven project with its
 * dependency snippet and the README's first example builds offline against procpool installed in
 * the local repository, and runs.
 *
 * <p>The local repository is a private one under {@code target/}: this build's jars and poms are
 * installed into it (copied into the repository layout, which is what {@code mvn install} does),
 * and the few plugins a fresh project needs are copied in from the repository this build runs
 * with, through a {@code file:} mirror, so nothing is downloaded and that repository is only read.
 * Then the project is built again with {@code mvn -o}, from the private repository alone.
 */
@Tag("jvm")
@Tag("maven")
class ReadmeProjectTest {
    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path ROOT = MODULE.getParent();
    static final String VERSION = System.getProperty("procpool.expectedVersion", "0.1.0-SNAPSHOT");

    static String section(String readme, String heading) {
        int from = readme.indexOf("\n## " + heading + "\n");
        assertThat(from).as("README section '" + heading + "'").isNotNegative();
        int to = readme.indexOf("\n## ", from + 4);
        return readme.substring(from, to < 0 ? readme.length() : to);
    }

    static String firstBlock(String text, String language) {
        Matcher m = Pattern.compile("```" + language + "\n(.*?)```", Pattern.DOTALL).matcher(text);
        assertThat(m.find()).as("a ```" + language + " block").isTrue();
        return m.group(1);
    }

    /** Copies a module's pom (and jar) where {@code mvn install} would put them. */
    static void install(Path repo, String artifact, Path pom, Path jar) throws IOException {
        Path dir = repo.resolve("dev/procpool/" + artifact + "/" + VERSION);
        Files.createDirectories(dir);
        Files.copy(pom, dir.resolve(artifact + "-" + VERSION + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifact + "-" + VERSION + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static String mvn(Path project, Path settings, Path repo, boolean offline) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-q", "-s", settings.toString(),
                "-Dmaven.repo.local=" + repo));
        if (offline) {
            cmd.add("-o");
        }
        cmd.add("compile");
        Path log = project.resolve(offline ? "offline.log" : "prepare.log");
        Process p = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("mvn ended").isTrue();
        } finally {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(String.join(" ", cmd) + " in " + project + ":\n" + out).isZero();
        return out;
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void theReadmeSnippetBuildsAFreshProjectOfflineAndItsFirstExampleRuns() throws Exception {
        Path coreJar = ROOT.resolve("procpool-core/target/procpool-core-" + VERSION + ".jar");
        Path redisJar = ROOT.resolve("procpool-redis/target/procpool-redis-" + VERSION + ".jar");
        assumeTrue(Files.isRegularFile(coreJar) && Files.isRegularFile(redisJar),
                "the library jars are built by `mvn package` or `mvn verify`, not by `mvn test`");
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        String dependencies = firstBlock(section(readme, "Use it in your project"), "xml");
        String quickStart = firstBlock(section(readme, "Quick start"), "java");
        assertThat(dependencies).contains("<version>" + VERSION + "</version>");

        Path work = MODULE.resolve("target/readme-project");
        deleteTree(work);
        Path repo = work.resolve("repository");
        install(repo, "procpool-parent", ROOT.resolve("pom.xml"), null);
        install(repo, "procpool-core", ROOT.resolve("procpool-core/pom.xml"), coreJar);
        install(repo, "procpool-redis", ROOT.resolve("procpool-redis/pom.xml"), redisJar);

        Path project = work.resolve("app");
        Files.createDirectories(project.resolve("src/main/java"));
        Files.writeString(project.resolve("src/main/java/QuickStart.java"), quickStart);
        Files.writeString(project.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>com.example</groupId>
                  <artifactId>app</artifactId>
                  <version>1.0</version>
                  <properties>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                    <maven.compiler.release>17</maven.compiler.release>
                  </properties>
                  <dependencies>
                """ + dependencies + """
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin>
                        <!-- the version this build uses, so it is in its repository -->
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>3.14.0</version>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """);
        Path cache = Path.of(System.getProperty("procpool.mavenRepository",
                System.getProperty("user.home") + "/.m2/repository"));
        Path settings = work.resolve("settings.xml");
        Files.writeString(settings, """
                <settings>
                  <mirrors>
                    <mirror>
                      <id>this-build</id>
                      <mirrorOf>*</mirrorOf>
                      <url>%s</url>
                    </mirror>
                  </mirrors>
                </settings>
                """.formatted(cache.toUri()));

        // the plugins from this build's repository (read through file:, never written), then offline
        mvn(project, settings, repo, false);
        deleteTree(project.resolve("target"));
        mvn(project, settings, repo, true);

        String classpath = String.join(File.pathSeparator, project.resolve("target/classes").toString(),
                repo.resolve("dev/procpool/procpool-core/" + VERSION + "/procpool-core-" + VERSION + ".jar").toString(),
                find(repo, "slf4j-api-").toString());
        Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classpath, "QuickStart").redirectErrorStream(true).redirectOutput(work.resolve("run.log").toFile()).start();
        try {
            assertThat(run.waitFor(120, TimeUnit.SECONDS)).as("the example ended").isTrue();
        } finally {
            run.destroyForcibly();
        }
        List<String> out = Files.readAllLines(work.resolve("run.log"));
        assertThat(run.exitValue()).as("exit code; output %s", out).isZero();
        assertThat(out).contains("42", "81").anySatisfy(l -> assertThat(l).startsWith("TERMINATED: terminated on request"));
    }

    static Path find(Path repo, String prefix) throws IOException {
        try (Stream<Path> s = Files.walk(repo)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".jar"))
                    .findFirst().orElseThrow(() -> new AssertionError(prefix + "*.jar is not in " + repo));
        }
    }
}
