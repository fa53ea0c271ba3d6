package dev.procpool.cli;

import dev.procpool.redis.RedisNode;
import dev.procpool.redis.RedisNodeOptions;
import dev.procpool.redis.RedisTls;
import dev.procpool.remote.WorkerServer;
import dev.procpool.remote.WorkerServerOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code procpool worker-server}: runs remote workers' tasks in worker JVMs on this host, until
 * stopped (Ctrl-C or SIGTERM, which kill the workers it runs). Two modes: {@code --listen} serves
 * controllers that connect to it ({@link WorkerServer}); {@code --redis} makes this host a node of a
 * pool spread over Redis ({@link RedisNode}), which takes tasks from a stream and lets its tasks
 * finish on SIGTERM.
 *
 * <pre>
 * $ openssl rand -hex 32 > ~/.procpool-token && chmod 600 ~/.procpool-token
 * $ procpool worker-server --listen 0.0.0.0:7070 --token-file ~/.procpool-token
 * procpool worker-server listening on 0.0.0.0:7070 (host gpu-box, TLS off)
 * $ procpool worker-server --listen 0.0.0.0:7070 --token-file ~/.procpool-token --classpath app.jar:lib/*
 * $ procpool worker-server --redis redis://procpool:secret@redis.example.com:6379 --workers 8 \
 *       --classpath app.jar:lib/* --allow 'com.example.**'
 * procpool redis node host-4242 ready
 * </pre>
 *
 * <p>The token comes from a file or the environment ({@code PROCPOOL_TOKEN}), never from the
 * command line, where {@code ps} would show it to every user of the host.
 */
@Command(name = "worker-server", header = "Runs tasks of remote controllers in worker JVMs on this host.",
        description = {
            "With --listen: every connection must prove it knows the shared token (an HMAC challenge; the token never travels).",
            "Token: --token-file FILE, or the environment variable PROCPOOL_TOKEN (at least 16 characters, no white space).",
            "Anyone holding the token can run any code here as this user: see docs/security.md.",
            "--classpath (-cp) puts your application's classes on every worker's classpath (both modes); with --listen, "
                + "classes missing here are also loaded from the controller unless it turned that off.",
            "It also runs the shell commands of 'procpool run -S HOST:PORT' (same token), in this directory and environment.",
            "With --redis: joins the pool of a Redis namespace as a node: takes tasks from the Redis stream, runs them in "
                + "local worker processes, and takes over the tasks of nodes that died. Delivery is at least once: a task "
                + "whose node died runs again elsewhere.",
        })
final class WorkerServerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    // not picocli-required: other modes of this command (e.g. a Redis one) may not listen at all
    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Address to listen on, e.g. 127.0.0.1:7070 or 0.0.0.0:7070 (port 0: any free port).")
    String listen;

    @Option(names = {"--classpath", "-cp"}, paramLabel = "CP",
            description = "Your application's classes for the workers: jars and directories separated by ':' "
                + "(dir/* for every jar of a directory), as for java -cp. Repeatable.")
    List<String> classpath = List.of();

    @Option(names = "--max-workers", paramLabel = "N",
            description = "With --listen: worker processes at once; a controller asking for more is refused "
                + "(default: 8 per CPU, at least 16).")
    Integer maxWorkers;

    @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the shared token.")
    Path tokenFile;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "Turns TLS on with the key and certificate in this key store (PKCS12 or JKS).")
    Path keyStore;

    @Option(names = "--tls-password-file", paramLabel = "FILE",
            description = "File holding the key store password (default: environment variable PROCPOOL_TLS_PASSWORD).")
    Path passwordFile;

    @Option(names = "--redis", paramLabel = "URL",
            description = "redis://[user[:password]@]host[:port][/db], or rediss:// for TLS.")
    String redis;

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "With --redis: CA certificates to trust for rediss://.")
    Path tlsCa;

    @Option(names = "--namespace", defaultValue = "procpool",
            description = "With --redis: must match the controller's (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--name", description = "With --redis: this node's name (default: host-pid).")
    String name;

    @Option(names = "--workers", description = "With --redis: worker processes (default: the number of CPUs).")
    Integer workers;

    @Option(names = "--prefetch", description = "With --redis: tasks taken beyond those running (default: --workers).")
    Integer prefetch;

    @Option(names = "--claim-idle", paramLabel = "SECONDS", defaultValue = "30",
            description = "With --redis: take over a task another node has not renewed for this long (default: ${DEFAULT-VALUE}).")
    double claimIdle;

    @Option(names = "--allow", paramLabel = "PATTERN",
            description = "With --redis: classes tasks may be made of, e.g. 'com.example.**' (repeatable; java.base and procpool are allowed).")
    List<String> allow = List.of();

    @Option(names = "--status-port", paramLabel = "PORT",
            description = "Serve a live status page on 127.0.0.1:PORT (0: a free port; the address goes to stderr): "
                + "with --redis the node's workers and tasks, with --listen the worker JVMs it runs (no tasks: it "
                + "relays them undecoded).")
    Integer statusPort;

    @Override
    public Integer call() throws Exception {
        if (listen != null && redis != null) {
            throw new ParameterException(spec.commandLine(), "either --listen or --redis, not both");
        }
        if (statusPort != null && (statusPort < 0 || statusPort > 65535)) {
            throw new ParameterException(spec.commandLine(), "--status-port must be 0..65535: " + statusPort);
        }
        if (redis != null) {
            return redisNode();
        }
        if (listen == null) {
            throw new ParameterException(spec.commandLine(),
                    "missing --listen HOST:PORT (e.g. 127.0.0.1:7070) or --redis URL");
        }
        listen();
        return 0;
    }

    private int redisNode() throws Exception {
        RedisNodeOptions.Builder b = RedisNodeOptions.builder().url(redis).namespace(namespace)
                .claimIdle(Duration.ofMillis((long) (claimIdle * 1000)));
        if (tlsCa != null) {
            b.sslContext(RedisTls.trusting(tlsCa));
        }
        if (name != null) {
            b.name(name);
        }
        if (workers != null) {
            b.workers(workers);
        }
        if (prefetch != null) {
            b.prefetch(prefetch);
        }
        try {
            allow.forEach(b::allowClasses);
            classpath.forEach(b::classpath);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        return RedisNode.run(b.build(), node -> {
            try {
                // lives as long as the process: the node runs until the process is stopped
                StatusPort.serve(statusPort, node::status, new java.io.PrintStream(
                        new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.println("procpool worker-server: cannot serve the status page: " + e.getMessage());
                err.flush();
            }
        });
    }

    private void listen() {
        WorkerServerOptions.Builder b = WorkerServerOptions.builder();
        PrintWriter err = spec.commandLine().getErr();
        try {
            b.listen(listen);
            classpath.forEach(b::classpath);
            if (maxWorkers != null) {
                b.maxWorkers(maxWorkers);
            }
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
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close(); // kills the workers it runs
            stopped.countDown();
        }, "procpool-server-shutdown"));
        try {
            // lives as long as the process: the server runs until the process is stopped
            StatusPort.serve(statusPort, server::status, new java.io.PrintStream(
                    new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8));
        } catch (IOException e) {
            err.println("procpool worker-server: cannot serve the status page: " + e.getMessage());
            err.flush();
        }
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
