package dev.procpool.cli;

import dev.procpool.status.PoolStatus;
import dev.procpool.status.StatusServer;
import java.io.IOException;
import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * The {@code --status-port PORT} of the commands that run work: serves their live status page on
 * 127.0.0.1 and says where on stderr. Loopback only, so no token: reach it from elsewhere
 * through an SSH tunnel ({@code ssh -L PORT:127.0.0.1:PORT host}).
 *
 * <pre>{@code
 * try (AutoCloseable status = StatusPort.serve(statusPort, pool::status, System.err)) { ... }
 * }</pre>
 */
public final class StatusPort {
    private StatusPort() {
    }

    /** Serves {@code source} on {@code port} (0: a free one); a no-op when {@code port} is null. */
    public static AutoCloseable serve(Integer port, Supplier<PoolStatus> source, PrintStream err) throws IOException {
        if (port == null) {
            return () -> { };
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--status-port must be 0..65535: " + port);
        }
        StatusServer server = StatusServer.builder().port(port).source(source).start();
        err.println("procpool: status page at " + server.uri() + " (procpool status " + server.uri() + ")");
        err.flush();
        return server;
    }
}
