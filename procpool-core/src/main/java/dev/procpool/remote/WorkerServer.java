package dev.procpool.remote;

import dev.procpool.OutputHandler;
import dev.procpool.Token;
import dev.procpool.internal.RemoteServer;
import dev.procpool.internal.RemoteServerMain;
import dev.procpool.status.PoolStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running {@code procpool worker-server}: it runs {@link dev.procpool.WorkerType#REMOTE}
 * workers' tasks in worker JVMs on its host, so they can be timed out and killed like local ones.
 * Three ways to have one, all closed with {@link #close()} (try-with-resources):
 * <ul>
 *   <li>{@link #start} in this JVM (threads {@code procpool-server-*});</li>
 *   <li>{@link #spawn} as a child JVM of this one, on this JVM's classpath, stopped by close
 *       (pyworkers' {@code spawn_server});</li>
 *   <li>{@link #overSsh} on another host for the duration of a block (pyworkers'
 *       {@code tmp_ssh_server}): ssh runs the server there, the secrets go over ssh's stdin, and
 *       the server stops when that stdin ends, i.e. when this handle is closed or this JVM dies.
 *       {@link WorkerServerOptions.Builder#classpath} entries are paths on that host.</li>
 * </ul>
 * All three put {@link WorkerServerOptions#classpath()} on their workers' classpath.
 * The command-line form is {@code procpool worker-server --listen HOST:PORT}.
 *
 * <pre>{@code
 * WorkerServerOptions serverOptions = WorkerServerOptions.builder().tokenFile(tokenFile).build();
 * try (WorkerServer server = WorkerServer.spawn(serverOptions)) {
 *     WorkerOptions options = WorkerOptions.builder().remote(server.remoteOptions().build()).build();
 *     Worker<String> w = Workers.start(WorkerType.REMOTE, () -> "ran on " + hostName(), options);
 *     w.await(Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>A server trusts every controller that holds the token to run any code on its host as the
 * user it runs as: see docs/security.md.
 */
public final class WorkerServer implements AutoCloseable {
    private static final long START_SECONDS = 60;

    private final RemoteServer inProcess;
    private final Process process;
    private final String connectHost;
    private final int port;
    private final Token token;

    private WorkerServer(RemoteServer inProcess, Process process, String connectHost, int port, Token token) {
        this.inProcess = inProcess;
        this.process = process;
        this.connectHost = connectHost;
        this.port = port;
        this.token = token;
    }

    /**
     * Starts a server in this JVM.
     *
     * @throws IllegalArgumentException if an entry of the options' classpath does not exist
     */
    public static WorkerServer start(WorkerServerOptions options) throws IOException {
        RemoteServer s = new RemoteServer(options.listen(), options.token().bytes(), options.sslContext().orElse(null),
                options.output(), options.log().orElse(null), options.settings());
        InetSocketAddress a = s.address();
        return new WorkerServer(s, null, a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getHostString(),
                a.getPort(), options.token());
    }

    /**
     * Starts a server in a child JVM of this one (this JVM's java and classpath). Its output lines
     * go to the options' output handler under the name {@code worker-server}.
     *
     * @throws IOException if it does not start listening within 60 s (its stderr tail is in the message)
     */
    public static WorkerServer spawn(WorkerServerOptions options) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = RemoteServerMain.command(java, System.getProperty("java.class.path"), options.listenText(),
                options.keyStore().map(Path::toAbsolutePath).orElse(null), options.localClasspath(), options.maxWorkers());
        InetSocketAddress listen = options.listen();
        return launch(cmd, options, listen.getAddress().isAnyLocalAddress() ? "127.0.0.1" : listen.getHostString());
    }

    /**
     * Starts a temporary server on {@code host} over ssh; {@link #close()} stops it. The server
     * listens on the options' listen address there (e.g. {@code 0.0.0.0:0}), and workers connect
     * to {@code host} (without any {@code user@}) at the port it reports.
     *
     * <p>The ssh command is configurable ({@link SshOptions}); a test can use a fake {@code ssh}
     * script that drops the host name and runs the command locally.
     */
    public static WorkerServer overSsh(String host, WorkerServerOptions options, SshOptions ssh) throws IOException {
        if (host.isBlank() || host.startsWith("-")) {
            throw new IllegalArgumentException("bad ssh host: '" + host + "'");
        }
        List<String> remote = RemoteServerMain.command(ssh.java(), ssh.classpath(), options.listenText(),
                options.keyStore().orElse(null), options.classpath(), options.maxWorkers());
        List<String> cmd = new ArrayList<>(ssh.command());
        cmd.add(host);
        cmd.add(RemoteServerMain.shell(remote));
        String connect = host.substring(host.indexOf('@') + 1);
        return launch(cmd, options, connect);
    }

    private static WorkerServer launch(List<String> cmd, WorkerServerOptions options, String connectHost)
            throws IOException {
        Process p = new ProcessBuilder(cmd).start();
        OutputStream stdin = p.getOutputStream();
        // the secrets: never on a command line, where ps shows them to every user of the host
        stdin.write(options.token().bytes());
        stdin.write('\n');
        char[] password = options.keyStorePassword();
        if (password != null) {
            stdin.write(new String(password).getBytes(StandardCharsets.UTF_8));
            stdin.write('\n');
        }
        stdin.flush(); // stdin stays open: its end is what stops the server
        CompletableFuture<String> ready = new CompletableFuture<>();
        ArrayDeque<String> tail = new ArrayDeque<>();
        pump(p.getInputStream(), OutputHandler.Source.STDOUT, options.output(), ready, tail);
        pump(p.getErrorStream(), OutputHandler.Source.STDERR, options.output(), null, tail);
        p.onExit().thenRun(() -> ready.completeExceptionally(new IOException("exited with code " + p.exitValue())));
        String address;
        try {
            address = ready.get(START_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while the worker-server started");
        } catch (ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            String why = e instanceof TimeoutException ? "did not start listening within " + START_SECONDS + " s"
                    : e.getCause().getMessage();
            synchronized (tail) {
                throw new IOException("worker-server " + why + "; command: " + String.join(" ", cmd)
                        + (tail.isEmpty() ? "" : "; output: " + String.join(" | ", tail)));
            }
        }
        int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        return new WorkerServer(null, p, connectHost, port, options.token());
    }

    private static void pump(InputStream in, OutputHandler.Source source, OutputHandler output,
            CompletableFuture<String> ready, ArrayDeque<String> tail) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (ready != null && !ready.isDone() && line.startsWith(RemoteServerMain.READY)) {
                        ready.complete(line.substring(RemoteServerMain.READY.length()).trim());
                        continue;
                    }
                    synchronized (tail) {
                        if (tail.size() == 20) {
                            tail.removeFirst();
                        }
                        tail.addLast(line);
                    }
                    try {
                        output.onLine("worker-server", source, line);
                    } catch (RuntimeException e) {
                        // a failing handler must not stop the pump (the server would block on a full pipe)
                    }
                }
            } catch (IOException e) {
                // the server ended
            }
        }, "procpool-server-" + source.name().toLowerCase());
        t.setDaemon(true);
        t.start();
    }

    /** The address workers connect to. */
    public InetSocketAddress address() {
        return InetSocketAddress.createUnresolved(connectHost, port);
    }

    /** Options for workers on this server: its address and the same token (add TLS trust if on). */
    public RemoteOptions.Builder remoteOptions() {
        return RemoteOptions.builder(connectHost, port).token(token);
    }

    /** The pid of the server's process (for {@link #overSsh}: the local ssh process); empty in-process. */
    public OptionalLong pid() {
        return process == null ? OptionalLong.empty() : OptionalLong.of(process.pid());
    }

    /** Whether it still serves. */
    public boolean isAlive() {
        return process != null ? process.isAlive() : !inProcess.isClosed();
    }

    /** Connections refused so far; known for an in-process server only (else -1). */
    public long refusedConnections() {
        return inProcess == null ? -1 : inProcess.refusedConnections();
    }

    /**
     * What this server runs now, as a status page shows it ({@link dev.procpool.status.StatusServer}):
     * kind {@code "worker-server"}, named after its listen address. One row per worker JVM it runs
     * for its controllers: the worker's name, its pid on this host, RSS and CPU time from
     * {@code /proc}, since when it runs, and as host this host's name and the controller it serves
     * ({@code "gpu-box for 10.0.0.5:51234"}). Then the last {@link PoolStatus#EXITED_KEPT} workers
     * that ended, with how ({@code "exit code 0"}, {@code "exit code 137: killed: lost its
     * controller's connection"}), and the workers refused for the server's limit of workers at
     * once (no pid, reason {@code "refused: ..."}).
     *
     * <p>The server relays frames without decoding tasks, so there is no task-level information:
     * task ids, ages, done and failed counts, failures and throughput are empty or zero, and a
     * worker that has connected shows as {@link dev.procpool.status.WorkerStatus.State#BUSY}
     * (serving its controller) whether or not a task runs in it. The counters:
     * {@code workersStarted}, {@code workersAlive} (running now), {@code workersRecycled} (exited
     * with code 0) and {@code workersDied} (crashed or killed).
     *
     * <pre>{@code
     * try (WorkerServer server = WorkerServer.start(options);
     *      StatusServer page = StatusServer.builder().source(server::status).start()) {
     *     System.out.println("status page at " + page.uri());
     *     ...
     * }
     * }</pre>
     *
     * @throws UnsupportedOperationException for a server in another JVM ({@link #spawn},
     *     {@link #overSsh}): its workers are not visible from here; run that server as
     *     {@code procpool worker-server --listen HOST:PORT --status-port PORT} to have its page
     */
    public PoolStatus status() {
        if (inProcess == null) {
            throw new UnsupportedOperationException("the status of a worker-server is known in its own JVM only; "
                    + "this one runs in process " + process.pid()
                    + " (procpool worker-server --listen HOST:PORT --status-port PORT serves its page)");
        }
        InetSocketAddress a = inProcess.address();
        return inProcess.status(a.getHostString() + ":" + a.getPort());
    }

    /**
     * Stops the server: every worker it runs is killed (their tasks fail on the controllers with a
     * lost connection). A spawned or ssh server is told by closing its stdin, then SIGTERM and
     * SIGKILL after 10 s each if it lingers.
     */
    @Override
    public void close() {
        if (inProcess != null) {
            inProcess.close();
            return;
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // gone already
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.toHandle().destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.toHandle().destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.toHandle().destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "WorkerServer{" + connectHost + ":" + port + (process == null ? ", in-process" : ", pid " + process.pid())
                + ", alive=" + isAlive() + "}";
    }
}
