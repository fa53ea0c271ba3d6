package demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PROCESS workers started by a controller whose classes are not on {@code java.class.path}, as
 * under {@code mvn exec:java}, an IDE or Gradle runner, or a fat jar's launcher: a real controller
 * JVM whose system classpath holds only a tiny launcher, which loads the application (and procpool)
 * through a class loader of its own and runs its main, as those tools do.
 */
@Tag("jvm")
class ProcessWorkersFromAnotherClassLoaderTest {
    @TempDir
    static Path dir;
    static Path launcher;
    static Path appJar;

    @BeforeAll
    static void compile() throws Exception {
        appJar = UserCode.jar(dir, "quickstart", Map.of("demo.app.QuickStart", """
                package demo.app;
                import dev.procpool.*;
                import java.time.Duration;
                public class QuickStart {
                    public static void main(String[] args) throws Exception {
                        Worker<String> w = Workers.start(WorkerType.PROCESS,
                                () -> "hello from " + QuickStart.class.getName() + " in pid " + ProcessHandle.current().pid());
                        w.await(Duration.ofSeconds(60));
                        System.out.println(w.state() + ": "
                                + (w.state() == WorkerState.COMPLETED ? w.result() : w.error().orElseThrow()));
                    }
                }
                """));
        Path launcherJar = UserCode.jar(dir, "launcher", Map.of("demo.launch.Launch", """
                package demo.launch;
                import java.io.File;
                import java.io.InputStream;
                import java.net.URL;
                import java.net.URLClassLoader;
                import java.util.ArrayList;
                import java.util.List;
                /** Runs a main from a class loader of its own: a URLClassLoader (mode url) or one that is not (opaque). */
                public class Launch {
                    public static void main(String[] args) throws Exception {
                        List<URL> urls = new ArrayList<>();
                        for (String e : args[1].split(File.pathSeparator)) {
                            urls.add(new File(e).toURI().toURL());
                        }
                        URL[] u = urls.toArray(new URL[0]);
                        ClassLoader app = args[0].equals("url")
                                ? new URLClassLoader("exec-java", u, ClassLoader.getSystemClassLoader())
                                : new Opaque(u);
                        Thread.currentThread().setContextClassLoader(app);
                        Class.forName(args[2], true, app).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
                        System.exit(0);
                    }
                    /** Defines classes from bytes, as a nested-jar loader does: no file a command line could name. */
                    static final class Opaque extends ClassLoader {
                        private final URLClassLoader inner;
                        Opaque(URL[] urls) {
                            super("opaque", ClassLoader.getSystemClassLoader());
                            inner = new URLClassLoader(urls, null);
                        }
                        @Override
                        protected Class<?> findClass(String name) throws ClassNotFoundException {
                            try (InputStream in = inner.getResourceAsStream(name.replace('.', '/') + ".class")) {
                                if (in == null) {
                                    throw new ClassNotFoundException(name);
                                }
                                byte[] b = in.readAllBytes();
                                return defineClass(name, b, 0, b.length);
                            } catch (java.io.IOException e) {
                                throw new ClassNotFoundException(name, e);
                            }
                        }
                        @Override
                        protected URL findResource(String name) {
                            return inner.findResource(name);
                        }
                    }
                }
                """));
        launcher = launcherJar;
    }

    static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    static List<String> run(String systemClasspath, String mode, String appClasspath) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:auto",
                "-XX:+UseSerialGC", "-cp", systemClasspath, "demo.launch.Launch", mode, appClasspath, "demo.app.QuickStart");
        Path out = dir.resolve("controller-" + mode + ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the controller JVM ended").isTrue();
        } finally {
            p.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("controller exit code; output: %s", lines).isZero();
        return lines;
    }

    @Test
    void underAUrlClassLoaderTheWorkerGetsTheTasksClasspath() throws Exception {
        // as under exec:java: java.class.path is the launcher alone; procpool and the application are in the loader
        String app = String.join(File.pathSeparator, appJar.toString(), location(dev.procpool.Workers.class),
                location(org.slf4j.Logger.class));
        List<String> out = run(launcher.toString(), "url", app);
        assertThat(out).anySatisfy(l -> assertThat(l).startsWith("COMPLETED: hello from demo.app.QuickStart in pid "));
    }

    @Test
    void underAnotherClassLoaderTheWorkerNamesTheClassItsClasspathAndTheOption() throws Exception {
        // procpool on the system classpath, the application only in a loader that names no files
        String system = String.join(File.pathSeparator, launcher.toString(), location(dev.procpool.Workers.class),
                location(org.slf4j.Logger.class));
        List<String> out = run(system, "opaque", appJar.toString());
        assertThat(String.join("\n", out))
                .contains("FAILED: ")
                .contains("class demo.app.QuickStart is not on this worker JVM's classpath (")
                .contains(launcher.toString())
                .contains("WorkerOptions.builder().classpath(...)");
    }
}
