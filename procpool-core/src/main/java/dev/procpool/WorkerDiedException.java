package dev.procpool;

import java.util.List;
import java.util.OptionalInt;

/**
 * The worker ended without being asked to, before answering: its process exited
 * ({@code System.exit}, {@code Runtime.halt}), was killed by a signal from elsewhere, ran out of
 * heap, crashed, lost its channel or broke the protocol. The message says how it died and shows
 * the tail of its stderr.
 *
 * <pre>{@code
 * catch (WorkerDiedException e) {
 *     System.err.println(e.workerName() + " died: " + e.signal().orElse("exit " + e.exitCode()));
 * }
 * }</pre>
 */
public class WorkerDiedException extends ProcpoolException {
    private static final long serialVersionUID = 1L;

    private final String workerName;
    private final long pid;
    private final Integer exitCode;
    private final String signal;
    private final List<String> stderrTail;

    /**
     * Creates it.
     *
     * @param workerName the worker's name
     * @param pid the process id
     * @param how what happened, e.g. {@code "killed by SIGKILL (exit code 137)"}
     * @param exitCode the exit code if the process ended
     * @param signal the name of the signal that ended it, or null
     * @param stderrTail the last lines of the process's stderr
     * @param cause an underlying cause (e.g. the I/O error on the channel), or null
     */
    public WorkerDiedException(String workerName, long pid, String how, OptionalInt exitCode, String signal,
            List<String> stderrTail, Throwable cause) {
        super(message(workerName, pid, how, stderrTail), cause);
        this.workerName = workerName;
        this.pid = pid;
        this.exitCode = exitCode.isPresent() ? exitCode.getAsInt() : null;
        this.signal = signal;
        this.stderrTail = List.copyOf(stderrTail);
    }

    private static String message(String workerName, long pid, String how, List<String> tail) {
        StringBuilder sb = new StringBuilder("worker '").append(workerName).append("' (pid ").append(pid)
                .append(") died: ").append(how);
        if (!tail.isEmpty()) {
            sb.append("; last lines of its stderr:");
            for (String line : tail) {
                sb.append("\n    ").append(line);
            }
        }
        return sb.toString();
    }

    /** The worker's name. */
    public String workerName() {
        return workerName;
    }

    /** The pid of the process that died. */
    public long pid() {
        return pid;
    }

    /** The exit code, if the process ended. */
    public OptionalInt exitCode() {
        return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }

    /** The name of the signal that ended the process ({@code "SIGKILL"}), if a signal did. */
    public java.util.Optional<String> signal() {
        return java.util.Optional.ofNullable(signal);
    }

    /** The last lines the process wrote to stderr. */
    public List<String> stderrTail() {
        return stderrTail;
    }
}
