package dev.procpool.redis;

import static org.awaitility.Awaitility.await;

import dev.procpool.testing.Deadlines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A node in a child JVM running {@link RedisNode#main} from the test classpath; stopped by pid. */
final class NodeProcess implements AutoCloseable {
    final String name;
    final Process process;
    final Path out;
    final Path err;

    private NodeProcess(String name, Process process, Path out, Path err) {
        this.name = name;
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts a node and waits until it says it is ready. */
    static NodeProcess start(Path dir, String url, String name, String... args) throws IOException {
        NodeProcess n = launch(dir, url, name, args);
        n.awaitReady();
        return n;
    }

    /** Starts a node without waiting for it. */
    static NodeProcess launch(Path dir, String url, String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                RedisNode.class.getName(), "--redis", url, "--name", name));
        cmd.addAll(List.of(args));
        Path out = dir.resolve(name + "-" + System.nanoTime() + ".out");
        Path err = dir.resolve(out.getFileName() + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new NodeProcess(name, p, out, err);
    }

    void awaitReady() {
        await("node " + name + " ready").atMost(Deadlines.LONG).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("node " + name + " exited " + process.exitValue() + ": " + stderr());
                    }
                    return Files.readString(out).contains("ready");
                });
    }

    long pid() {
        return process.pid();
    }

    String stderr() {
        try {
            return Files.readString(err);
        } catch (IOException e) {
            return e.toString();
        }
    }

    void signal(String sig) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(pid())).start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + sig + " " + pid() + " failed");
        }
    }

    void sigkill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws Exception {
        if (!process.isAlive()) {
            return;
        }
        signal("CONT"); // in case the test stopped it
        process.destroy(); // SIGTERM: the node closes itself and its workers
        if (!process.waitFor(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
