package dev.procpool.cli;

import dev.procpool.remote.WorkerServer;
import dev.procpool.remote.WorkerServerOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code procpool worker-server}: runs remote workers' tasks in worker JVMs on this host, until
 * stopped (Ctrl-C or SIGTERM, which kill the workers it runs).
 *
 * <pre>
 * $ openssl rand -hex 32 > ~/.procpool-token && chmod 600 ~/.procpool-token
 * $ procpool worker-server --listen 0.0.0.0:7070 --token-file ~/.procpool-token
 * procpool worker-server listening on 0.0.0.0:7070 (host gpu-box, TLS off)
 * </pre>
 *
 * <p>The token comes from a file or the environment ({@code PROCPOOL_TOKEN}), never from the
 * command line, where {@code ps} would show it to every user of the host.
 */
@Command(name = "worker-server", header = "Runs tasks of remote controllers in worker JVMs on this host.",
        description = {
            "Every connection must prove it knows the shared token (an HMAC challenge; the token never travels).",
            "Token: --token-file FILE, or the environment variable PROCPOOL_TOKEN (at least 16 characters).",
            "Anyone holding the token can run any code here as this user: see docs/security.md.",
        })
final class WorkerServerCommand implements Runnable {

    @Spec
    CommandSpec spec;

    // not picocli-required: other modes of this command (e.g. a Redis one) may not listen at all
    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Address to listen on, e.g. 127.0.0.1:7070 or 0.0.0.0:7070 (port 0: any free port).")
    String listen;

    @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the shared token.")
    Path tokenFile;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "Turns TLS on with the key and certificate in this key store (PKCS12 or JKS).")
    Path keyStore;

    @Option(names = "--tls-password-file", paramLabel = "FILE",
            description = "File holding the key store password (default: environment variable PROCPOOL_TLS_PASSWORD).")
    Path passwordFile;

    @Override
    public void run() {
        if (listen == null) {
            throw new ParameterException(spec.commandLine(), "missing --listen HOST:PORT (e.g. 127.0.0.1:7070)");
        }
        WorkerServerOptions.Builder b = WorkerServerOptions.builder();
        PrintWriter err = spec.commandLine().getErr();
        try {
            b.listen(listen);
            if (tokenFile != null) {
                b.tokenFile(tokenFile);
            }
            if (keyStore != null) {
                b.tls(keyStore, password());
            }
            b.log(line -> {
                synchronized (err) {
                    err.println("procpool worker-server: " + line);
                    err.flush();
                }
            });
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        WorkerServerOptions options;
        try {
            options = b.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        WorkerServer server;
        try {
            server = WorkerServer.start(options);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close(); // kills the workers it runs
            stopped.countDown();
        }, "procpool-server-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("procpool worker-server listening on " + server.address().getHostString() + ":"
                + server.address().getPort() + " (host " + hostName() + ", TLS " + (keyStore != null ? "on" : "off") + ")");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private char[] password() {
        try {
            if (passwordFile != null) {
                return Files.readString(passwordFile, StandardCharsets.UTF_8).strip().toCharArray();
            }
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "cannot read " + passwordFile + ": " + e.getMessage());
        }
        String env = System.getenv("PROCPOOL_TLS_PASSWORD");
        if (env == null) {
            throw new ParameterException(spec.commandLine(),
                    "--tls-keystore needs a password: --tls-password-file FILE or PROCPOOL_TLS_PASSWORD");
        }
        return env.toCharArray();
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
