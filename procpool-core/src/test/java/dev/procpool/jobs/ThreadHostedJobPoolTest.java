package dev.procpool.jobs;

import dev.procpool.WorkerType;

/** {@link JobPoolTest} with jobs started by threads of the test JVM. */
class ThreadHostedJobPoolTest extends JobPoolTest {
    @Override
    WorkerType hosts() {
        return WorkerType.THREAD;
    }
}
