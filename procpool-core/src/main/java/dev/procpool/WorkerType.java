package dev.procpool;

/**
 * The kind of a worker: where its task runs. Kinds are interchangeable: code written against
 * {@link Worker} works unchanged whichever kind {@link Workers} creates.
 *
 * <pre>{@code
 * for (WorkerType type : List.of(WorkerType.THREAD, WorkerType.PROCESS)) {
 *     try (Worker<Integer> w = Workers.start(type, () -> 6 * 7)) {
 *         w.await(Duration.ofSeconds(30));
 *         System.out.println(type + " -> " + w.result());
 *     }
 * }
 * }</pre>
 */
public enum WorkerType {
    /**
     * A thread of the controlling JVM. Cheapest to start; it cannot be killed, so a task that
     * ignores interrupts is abandoned (left running as a daemon thread) when terminated.
     */
    THREAD,
    /**
     * A child JVM on the controller's classpath. Costs a JVM start (tens of milliseconds); can
     * always be stopped, and a crash, {@code System.exit} or running out of heap in the task
     * never harms the controller.
     */
    PROCESS,
    /**
     * A worker JVM on another host, started and killed there by a {@code procpool worker-server}
     * (see {@link dev.procpool.remote.WorkerServer}); its options need
     * {@link WorkerOptions.Builder#remote}. Like a process, it can always be stopped; its
     * {@link Worker#host()} and {@link Worker#pid()} are the server's host and the real pid there.
     */
    REMOTE
}
