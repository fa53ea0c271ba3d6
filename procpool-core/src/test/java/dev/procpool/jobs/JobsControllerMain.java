package dev.procpool.jobs;

import java.nio.file.Path;

/**
 * A controller JVM for {@link JobsCleanupTest}: runs one job that starts a background child and a
 * grandchild re-parented to init, and writes their pids and its own to the file given as the first
 * argument, on the kind of job host named by the second; then waits to be killed.
 */
public final class JobsControllerMain {
    private JobsControllerMain() {
    }

    public static void main(String[] args) throws Exception {
        String pids = Path.of(args[0]).toAbsolutePath().toString();
        JobPool pool = JobPool.builder().name("cleanup").slots(1)
                .hosts(dev.procpool.WorkerType.valueOf(args[1])).build();
        pool.submit(Job.builder("sh", "-c", "sleep 600 & echo $! >> " + pids + "; sh -c 'sleep 600 & echo $! >> "
                + pids + "'; echo $$ >> " + pids + "; wait").build());
        pool.join();
    }
}
