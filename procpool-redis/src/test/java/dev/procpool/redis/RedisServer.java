package dev.procpool.redis;

import static org.awaitility.Awaitility.await;

import dev.procpool.testing.Deadlines;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real redis-server on 127.0.0.1 for one test: a free port, no persistence, stopped by pid.
 * Public for the tests written from a user's package ({@code demo}).
 */
public final class RedisServer implements AutoCloseable {
    final int port;
    final Process process;
    final Path log;

    private RedisServer(int port, Process process, Path log) {
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** Plain TCP, no password. */
    public static RedisServer start(Path dir) throws IOException {
        return start(dir, List.of(), false);
    }

    /**
     * @param extra more redis-server arguments
     * @param tls whether the port is a TLS port (the plain one is then off)
     */
    static RedisServer start(Path dir, List<String> extra, boolean tls) throws IOException {
        return start(dir, extra, tls, 0);
    }

    /** A new server on this one's port, after this one was killed: what clients see as a Redis restart. */
    RedisServer restartOnSamePort(Path dir) throws IOException {
        return start(dir, List.of(), false, port);
    }

    private static RedisServer start(Path dir, List<String> extra, boolean tls, int fixedPort) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = fixedPort != 0 ? fixedPort : freePort();
            List<String> cmd = new ArrayList<>(List.of("redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", dir.toString()));
            if (tls) {
                cmd.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port)));
            } else {
                cmd.addAll(List.of("--port", Integer.toString(port)));
            }
            cmd.addAll(extra);
            Path log = dir.resolve("redis-" + port + ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                await("redis-server on port " + port).atMost(Deadlines.SHORT).pollInterval(Duration.ofMillis(10))
                        .until(() -> !p.isAlive() || accepts(port));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                p.destroyForcibly();
                throw new IOException("redis-server did not start: " + Files.readString(log));
            }
            if (p.isAlive()) {
                return new RedisServer(port, p, log);
            }
            last = new IOException("redis-server exited: " + Files.readString(log)); // port taken meanwhile: retry
        }
        throw last;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
