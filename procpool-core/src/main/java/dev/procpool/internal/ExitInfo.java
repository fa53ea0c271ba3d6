package dev.procpool.internal;

import java.util.List;
import java.util.OptionalInt;

/**
 * How an engine ended, as the engine saw it. {@link dev.procpool.internal.BaseWorker} turns it
 * into the public {@link dev.procpool.WorkerExit}.
 *
 * @param clean the worker said goodbye (answered everything it was given) and exited with code 0
 * @param exitCode the process exit code; empty for threads
 * @param signal the signal name when the exit code says a signal ended the process
 * @param stderrTail the last stderr lines
 * @param problem what went wrong beyond the exit itself (lost channel, protocol violation,
 *     unresponsive, never connected), or null
 * @param cause the exception behind {@code problem}, or null
 * @param abandoned a thread that ignored its interrupt and was left running
 */
record ExitInfo(boolean clean, OptionalInt exitCode, String signal, List<String> stderrTail, String problem,
        Throwable cause, boolean abandoned) {

    static ExitInfo threadEnded() {
        return new ExitInfo(true, OptionalInt.empty(), null, List.of(), null, null, false);
    }

    static ExitInfo threadAbandoned() {
        return new ExitInfo(false, OptionalInt.empty(), null, List.of(), null, null, true);
    }

    /** The start of {@link #problem} when procpool ended a worker that stopped answering heartbeats. */
    static final String UNRESPONSIVE = "unresponsive: ";

    /** Whether procpool declared the worker dead because it stopped answering heartbeats. */
    boolean unresponsive() {
        return problem != null && problem.startsWith(UNRESPONSIVE);
    }

    /** How the underlying thread or process ended, in words. */
    String how() {
        StringBuilder sb = new StringBuilder();
        if (problem != null) {
            sb.append(problem).append("; ");
        }
        if (abandoned) {
            sb.append("the thread did not stop when interrupted and was abandoned (a thread cannot be killed)");
        } else if (signal != null) {
            sb.append("killed by ").append(signal).append(" (exit code ").append(exitCode.getAsInt()).append(')');
        } else if (exitCode.isPresent()) {
            int code = exitCode.getAsInt();
            sb.append("exited with code ").append(code);
            if (code == 3 && stderrTail.stream().anyMatch(l -> l.contains("OutOfMemoryError"))) {
                sb.append(" (out of memory)");
            }
        } else if (problem != null) {
            sb.setLength(sb.length() - 2); // a remote worker whose connection was lost: the problem says it all
        } else {
            sb.append(clean ? "the thread ended" : "the thread ended abnormally");
        }
        return sb.toString();
    }
}
