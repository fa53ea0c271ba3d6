package dev.procpool.cli;

import dev.procpool.logs.JsonLinesSink;
import dev.procpool.logs.LogServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code procpool log-server}: receives log events from workers on any host (JSON lines over TCP,
 * after a shared token; see {@link LogServer}) and writes them as JSON lines to stdout or a file,
 * until stopped with Ctrl-C or SIGTERM. Refused connections (wrong token, garbage, over-long
 * lines) are reported on stderr, one line each.
 *
 * <pre>
 * $ head -c 24 /dev/urandom | base64 > ~/.procpool-log-token
 * $ procpool log-server --listen 0.0.0.0:7400 --token-file ~/.procpool-log-token --out all.jsonl
 * procpool log-server: listening on 0.0.0.0:7400
 * </pre>
 *
 * Workers ship to it with {@code WorkerOptions.builder().logsTo(LogServerClient.connect(host, 7400, Token.fromFile(tokenFile)))}.
 */
@Command(name = "log-server", header = "Receives workers' log events over TCP and writes them as JSON lines.",
        description = {
            "Listens for procpool log clients (LogServerClient) on HOST:PORT; each must present the shared",
            "token. Every event is written as one JSON object per line. Runs until Ctrl-C or SIGTERM.",
        })
final class LogServerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT",
            description = "Address to listen on, e.g. 0.0.0.0:7400 for other hosts; port 0 picks a free one.")
    String listen;

    @ArgGroup(exclusive = true, multiplicity = "1")
    TokenSource token;

    static final class TokenSource {
        @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the shared token.")
        Path file;

        @Option(names = "--token-env", paramLabel = "VAR", description = "Environment variable holding the shared token.")
        String env;
    }

    @Option(names = "--out", paramLabel = "FILE", description = "Append events to FILE instead of standard output.")
    Path out;

    @Option(names = "--max-line-bytes", paramLabel = "N", defaultValue = "262144",
            description = "Longest line accepted; a longer one closes its connection (default: ${DEFAULT-VALUE}).")
    int maxLineBytes;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress address = parseListen();
        LogServer.Builder builder = LogServer.builder().bind(address);
        try {
            if (token.file != null) {
                builder.tokenFile(token.file);
            } else {
                builder.tokenFromEnv(token.env);
            }
            builder.maxLineBytes(maxLineBytes);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        JsonLinesSink sink = out == null ? JsonLinesSink.to(System.out) : JsonLinesSink.open(out);
        LogServer server = builder.sink(sink).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            try {
                sink.close();
            } catch (IOException e) {
                System.err.println("procpool log-server: cannot write the last events: " + e.getMessage());
            }
            stopped.countDown();
        }, "procpool-log-server-stop"));
        PrintWriter err = spec.commandLine().getErr();
        err.println("procpool log-server: listening on " + address.getHostString() + ":" + server.port());
        err.flush();
        stopped.await(); // until a signal: the hook flushes and closes, then the JVM exits
        return 0;
    }

    private InetSocketAddress parseListen() {
        int colon = listen.lastIndexOf(':');
        String host = colon < 0 ? "" : listen.substring(0, colon);
        int port = -1;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            // reported below
        }
        if (host.isEmpty() || port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--listen wants HOST:PORT (e.g. 127.0.0.1:7400), not '" + listen + "'");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, port);
    }
}
