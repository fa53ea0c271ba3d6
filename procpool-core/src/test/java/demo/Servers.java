package demo;

import dev.procpool.OutputHandler;
import dev.procpool.WorkerOptions;
import dev.procpool.Token;
import dev.procpool.remote.RemoteOptions;
import dev.procpool.remote.WorkerServer;
import dev.procpool.remote.WorkerServerOptions;
import java.io.IOException;
import java.time.Duration;

/**
 * What the user-side tests share: a worker-server on 127.0.0.1 in this JVM, and worker options
 * that reach it and admit this package's classes (a user's own package is not on the default
 * allow-list).
 */
final class Servers {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String TOKEN_TEXT = "demo-token-0123456789abcdef";
    static final Token TOKEN = Token.of(TOKEN_TEXT);

    private Servers() {
    }

    static WorkerServer start() throws IOException {
        return WorkerServer.start(WorkerServerOptions.builder().token(TOKEN)
                .output(OutputHandler.discard()).log(line -> { }).build());
    }

    static RemoteOptions remote(WorkerServer server) {
        return server.remoteOptions().allowClasses("demo.**").build();
    }

    static WorkerOptions options(WorkerServer server) {
        return WorkerOptions.builder().output(OutputHandler.discard()).remote(remote(server)).build();
    }
}
