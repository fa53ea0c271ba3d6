package dev.procpool.remote;

import dev.procpool.internal.RemoteCommandJobs;
import dev.procpool.jobs.JobStatus;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A command run on a {@code procpool worker-server}: the server starts it in its own job pool, so a
 * timeout or a {@link #cancel()} kills the command's whole process tree there, and sends back its
 * stdout and stderr, whole, when it ends. One authenticated connection per command (the token and
 * TLS of {@link RemoteOptions}); losing it also kills the command on the server. This is what
 * {@code procpool run -S HOST:PORT} runs its jobs with.
 *
 * <p>The command is a list of words started directly (no shell: pass {@code sh -c LINE} for shell
 * syntax), in the server's working directory and environment.
 *
 * <pre>{@code
 * RemoteOptions remote = RemoteOptions.builder("build-box.example.com", 7070)
 *     .tokenFile(Path.of("/etc/procpool/token")).build();
 * RemoteCommand cmd = RemoteCommand.builder(remote, List.of("make", "-j8", "test"))
 *     .timeout(Duration.ofMinutes(10))
 *     .start();
 * RemoteCommand.Result r = cmd.await();
 * System.out.printf("%s on %s: exit %d%n", r.status(), cmd.serverHost(), r.exitCode());
 * System.out.writeBytes(r.stdout());
 * }</pre>
 *
 * <p>{@link #await()} may be called once, on one thread; {@link #cancel()} from any thread.
 */
public final class RemoteCommand {
    private static final AtomicLong IDS = new AtomicLong();

    private final RemoteCommandJobs.Call call;

    private RemoteCommand(RemoteCommandJobs.Call call) {
        this.call = call;
    }

    /** A builder for running {@code command} (at least one word) on the server {@code remote} names. */
    public static Builder builder(RemoteOptions remote, List<String> command) {
        return new Builder(remote, command);
    }

    /** The server's host name, as the server introduced itself. */
    public String serverHost() {
        return call.serverHost();
    }

    /**
     * Waits for the command's end and returns how it ended, with its output.
     *
     * @throws IOException the server or the network was lost before the command's end arrived
     *         (the server kills a command whose controller is gone)
     */
    public Result await() throws IOException {
        RemoteCommandJobs.Result r = call.await();
        JobStatus status;
        try {
            status = JobStatus.valueOf(r.status());
        } catch (IllegalArgumentException | NullPointerException e) {
            // a newer server's status this side does not know: the command did not succeed as far as we can tell
            status = JobStatus.FAILED;
        }
        return new Result(status, r.exitCode(), r.signal(),
                r.startMillis() < 0 ? null : Instant.ofEpochMilli(r.startMillis()),
                Duration.ofMillis(r.runtimeMillis()), r.error(), r.stdout(), r.stderr(), r.host());
    }

    /**
     * Asks the server to kill the command (its process tree); {@link #await()} then returns status
     * {@link JobStatus#CANCELLED}. Harmless after the end; if the connection is already gone, the
     * server kills the command when it notices.
     */
    public void cancel() {
        call.cancel();
    }

    @Override
    public String toString() {
        return "RemoteCommand{" + call.serverHost() + "}";
    }

    /**
     * How a remote command ended, as the server reported it. Immutable: the output arrays are
     * copied in and out.
     *
     * <pre>{@code
     * RemoteCommand.Result r = cmd.await();
     * if (r.status() == JobStatus.TIMED_OUT) {
     *     System.err.println("killed after " + r.runtime());
     * }
     * }</pre>
     */
    public static final class Result {
        private final JobStatus status;
        private final int exitCode;
        private final int signalNumber;
        private final Instant start;
        private final Duration runtime;
        private final String error;
        private final byte[] stdout;
        private final byte[] stderr;
        private final String serverHost;

        Result(JobStatus status, int exitCode, int signalNumber, Instant start, Duration runtime, String error,
                byte[] stdout, byte[] stderr, String serverHost) {
            this.status = status;
            this.exitCode = exitCode;
            this.signalNumber = signalNumber;
            this.start = start;
            this.runtime = runtime;
            this.error = error;
            this.stdout = stdout.clone();
            this.stderr = stderr.clone();
            this.serverHost = serverHost;
        }

        /** How the command ended: succeeded, failed, timed out (killed), cancelled, or could not start. */
        public JobStatus status() {
            return status;
        }

        /** Whether the command ran and exited with status 0. */
        public boolean succeeded() {
            return status == JobStatus.SUCCEEDED;
        }

        /**
         * The exit code of the command's process (128 + N when signal N ended it); -1 if it never
         * ran or was cancelled before it ended.
         */
        public int exitCode() {
            return exitCode;
        }

        /** The number of the signal that ended the command's process, or 0. */
        public int signalNumber() {
            return signalNumber;
        }

        /** When the command started on the server (the server's clock); empty if it never started. */
        public Optional<Instant> start() {
            return Optional.ofNullable(start);
        }

        /** How long the command ran. */
        public Duration runtime() {
            return runtime;
        }

        /** Why the command did not run or did not end by itself (e.g. it could not be started), if known. */
        public Optional<String> error() {
            return Optional.ofNullable(error);
        }

        /** Everything the command wrote to stdout (a copy). */
        public byte[] stdout() {
            return stdout.clone();
        }

        /** Everything the command wrote to stderr (a copy). */
        public byte[] stderr() {
            return stderr.clone();
        }

        /** The host name of the server that ran the command. */
        public String serverHost() {
            return serverHost;
        }

        @Override
        public String toString() {
            return "RemoteCommand.Result{" + status + ", exit=" + exitCode + ", signal=" + signalNumber + ", runtime="
                    + runtime + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length + " bytes, server="
                    + serverHost + "}";
        }
    }

    /** Builds and starts a {@link RemoteCommand}. Not thread-safe. */
    public static final class Builder {
        private final RemoteOptions remote;
        private final List<String> command;
        private Duration timeout;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private long id = -1;

        private Builder(RemoteOptions remote, List<String> command) {
            this.remote = Objects.requireNonNull(remote, "remote");
            this.command = List.copyOf(command);
            if (this.command.isEmpty()) {
                throw new IllegalArgumentException("a command needs at least one word");
            }
        }

        /** The server kills the command (its process tree) after {@code timeout}; default: no timeout. */
        public Builder timeout(Duration timeout) {
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** How long connecting and authenticating may take; default 10 seconds. */
        public Builder connectTimeout(Duration connectTimeout) {
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
            }
            this.connectTimeout = connectTimeout;
            return this;
        }

        /**
         * The number the server names the command by in its log and its job name; default: a
         * number unique in this JVM.
         */
        public Builder id(long id) {
            this.id = id;
            return this;
        }

        /**
         * Connects (TLS first when the options have it, the server's certificate checked against
         * its host name), authenticates with the options' token, and sends the command.
         *
         * @throws IOException the server cannot be reached, refused the connection (e.g. a wrong
         *         token), or is not a procpool worker-server
         */
        public RemoteCommand start() throws IOException {
            long n = id >= 0 ? id : IDS.incrementAndGet();
            int connectMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
            return new RemoteCommand(RemoteCommandJobs.Call.start(remote.host(), remote.port(), remote.token().bytes(),
                    remote.sslContext().orElse(null), n, command, timeout, connectMillis));
        }
    }
}
