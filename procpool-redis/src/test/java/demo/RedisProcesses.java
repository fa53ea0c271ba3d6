package demo;

import static org.awaitility.Awaitility.await;

import dev.procpool.redis.RedisNode;
import dev.procpool.redis.RedisServer;
import dev.procpool.testing.Deadlines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A redis-server and Redis nodes as child processes of the test, each stopped by its pid (the server last). */
final class RedisProcesses implements AutoCloseable {
    private final Path dir;
    private final RedisServer redis;
    private final List<Process> started = new ArrayList<>();
    final int port;

    RedisProcesses(Path dir) throws IOException {
        this.dir = dir;
        this.redis = RedisServer.start(dir);
        this.port = redis.port();
    }

    String url() {
        return redis.url();
    }

    /** A node in a child JVM on the test's classpath (which lacks the user's jar), ready to take tasks. */
    Process node(String name, String... args) throws IOException {
        Process p = launch(name, args);
        awaitReady(name, p);
        return p;
    }

    /** A node started without waiting for it: several start side by side. */
    Process launch(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), RedisNode.class.getName(),
                "--redis", url(), "--name", name, "--workers", "1"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve(name + ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        started.add(p);
        return p;
    }

    /** Waits until the node says it is ready. */
    void awaitReady(String name, Process p) {
        Path out = dir.resolve(name + ".out");
        await("node " + name + " ready").atMost(Deadlines.LONG).pollInterval(Duration.ofMillis(20)).until(() -> {
            if (!p.isAlive()) {
                throw new AssertionError("node " + name + " exited " + p.exitValue() + ": " + Files.readString(out));
            }
            return Files.readString(out).contains("ready");
        });
    }

    @Override
    public void close() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            Process p = started.get(i);
            p.destroy();
            if (!p.waitFor(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        redis.close();
    }
}
