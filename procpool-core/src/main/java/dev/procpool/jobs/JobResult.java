package dev.procpool.jobs;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How a job ended: its status, exit code, the signal that ended it, when its (last) process started
 * and stopped, how many times it was started, and the output kept with {@link Output#pipe()}.
 *
 * <p>Exit codes follow the JDK: a process ended by signal N reports 128 + N, and {@link #signal()}
 * names it ({@code SIGKILL}). The JDK gives no way to tell that from a program that called
 * {@code exit(137)} itself, so such a program is also reported with a signal.
 */
public final class JobResult {
    private final Job job;
    private final JobStatus status;
    private final int exitCode;
    private final Instant start;
    private final Instant stop;
    private final int attempts;
    private final byte[] stdout;
    private final byte[] stderr;
    private final String error;

    JobResult(Job job, JobStatus status, int exitCode, Instant start, Instant stop, int attempts,
            byte[] stdout, byte[] stderr, String error) {
        this.job = job;
        this.status = status;
        this.exitCode = exitCode;
        this.start = start;
        this.stop = stop;
        this.attempts = attempts;
        this.stdout = stdout == null ? new byte[0] : stdout;
        this.stderr = stderr == null ? new byte[0] : stderr;
        this.error = error;
    }

    public Job job() {
        return job;
    }

    public JobStatus status() {
        return status;
    }

    /** Whether it succeeded. */
    public boolean succeeded() {
        return status == JobStatus.SUCCEEDED;
    }

    /** The exit code of its last process; -1 if it never ran or was cancelled before it ended. */
    public int exitCode() {
        return exitCode;
    }

    /** The signal that ended its process ({@code "SIGTERM"}, {@code "SIGKILL"}...), if one did. */
    public Optional<String> signal() {
        return signalNumber() == 0 ? Optional.empty() : Optional.of(signalName(signalNumber()));
    }

    /** The number of the signal that ended its process, or 0. */
    public int signalNumber() {
        return exitCode > 128 && exitCode <= 128 + 64 ? exitCode - 128 : 0;
    }

    /** When its (last) process started; empty if it never started. */
    public Optional<Instant> start() {
        return Optional.ofNullable(start);
    }

    /** When its (last) process ended; empty if it never started. */
    public Optional<Instant> stop() {
        return Optional.ofNullable(stop);
    }

    /** How long its last process ran. */
    public Duration runtime() {
        return start == null || stop == null ? Duration.ZERO : Duration.between(start, stop);
    }

    /** How many processes were started for it (more than one after restarts on timeout). */
    public int attempts() {
        return attempts;
    }

    /** Its stdout, when it was {@link Output#pipe() piped}; otherwise empty. */
    public byte[] stdout() {
        return stdout.clone();
    }

    /** Its stderr, when it was {@link Output#pipe() piped}; otherwise empty. */
    public byte[] stderr() {
        return stderr.clone();
    }

    /** {@link #stdout()} decoded as UTF-8. */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** {@link #stderr()} decoded as UTF-8. */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    /** Why it could not start or run, for {@link JobStatus#START_FAILED} and some cancellations. */
    public Optional<String> error() {
        return Optional.ofNullable(error);
    }

    @Override
    public String toString() {
        return "JobResult[" + job.name() + ": " + status + ", exit " + exitCode
                + signal().map(s -> " (" + s + ")").orElse("") + ", " + attempts + " attempt(s)"
                + error().map(e -> ", " + e).orElse("") + "]";
    }

    static String signalName(int n) {
        String name = dev.procpool.internal.Signals.name(n);
        return name != null ? name : "SIG" + n;
    }
}
