package dev.procpool;

import java.io.IOException;

/**
 * A worker could not be started: the java executable is missing, the working directory does not
 * exist, the OS refused to create a process. (A child JVM that starts and then exits, for example
 * on a bad JVM option, is reported as {@link WorkerState#DIED} with its stderr instead.)
 *
 * <pre>{@code
 * try {
 *     Workers.start(WorkerType.PROCESS, task, WorkerOptions.builder().javaExecutable(Path.of("/no/java")).build());
 * } catch (WorkerStartException e) {
 *     System.err.println(e.getMessage());   // names the command that could not run
 * }
 * }</pre>
 */
public class WorkerStartException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Creates it with a message naming what could not be started, and the cause. */
    public WorkerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
