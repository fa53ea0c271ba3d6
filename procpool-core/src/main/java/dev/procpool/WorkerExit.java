package dev.procpool;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Why a worker reached its terminal state, in words and in figures.
 *
 * <pre>{@code
 * worker.exit().ifPresent(e -> System.out.println(e.description()));
 * // e.g. "killed by SIGKILL (exit code 137) after terminate(PT1S): the task ignored the interrupt and SIGTERM"
 * }</pre>
 *
 * @param state the terminal state
 * @param description a sentence a newcomer understands: what happened and how it ended
 * @param exitCode the process exit code, when the worker was a process and it ended
 * @param signal the name of the signal that ended the process ({@code "SIGKILL"}), or {@code null}
 * @param stderrTail the last lines the process wrote to stderr (empty for threads)
 */
public record WorkerExit(
        WorkerState state, String description, OptionalInt exitCode, String signal, List<String> stderrTail) {

    /** Checks the fields and copies the tail. */
    public WorkerExit {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(exitCode, "exitCode");
        stderrTail = List.copyOf(stderrTail);
        if (!state.isTerminal()) {
            throw new IllegalArgumentException("not a terminal state: " + state);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
