package dev.procpool.cli;

import dev.procpool.Task;
import dev.procpool.TaskFunction;
import java.io.Serializable;

/**
 * The work {@code procpool demo} hands to its workers. Kept apart from {@link DemoCommand} so that
 * a child JVM deserializing a task loads only this small class, not the command and picocli.
 *
 * <pre>{@code
 * Worker<Answer> w = Workers.start(WorkerType.PROCESS, new DemoTasks.MultiplyAndReportPid(6, 7));
 * }</pre>
 */
final class DemoTasks {
    private DemoTasks() {
    }

    /** What a task computed and in which OS process it ran, so the demo can show it crossed over. */
    record Answer(int value, long pid) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** Multiplies two numbers and says which process did it. */
    record MultiplyAndReportPid(int a, int b) implements Task<Answer> {
        private static final long serialVersionUID = 1L;

        @Override
        public Answer call() {
            return new Answer(a * b, ProcessHandle.current().pid());
        }
    }

    /**
     * A badly behaved task: it burns CPU forever and swallows every interrupt, the kind of code a
     * thread pool can never get rid of. Only a process worker can be stopped when it runs this.
     */
    static final class StubbornSpinner implements Task<Void> {
        private static final long serialVersionUID = 1L;

        @Override
        public Void call() {
            while (true) {
                // clearing the flag is the point: the task ignores procpool's polite request to stop
                Thread.interrupted();
                Thread.onSpinWait();
            }
        }
    }

    /** The function of the persistent worker: one call per argument, in one long-lived process. */
    static TaskFunction<Integer, Integer> square() {
        return x -> x * x;
    }
}
