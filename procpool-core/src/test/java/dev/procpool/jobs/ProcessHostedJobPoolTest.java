package dev.procpool.jobs;

import dev.procpool.WorkerType;

/** {@link JobPoolTest} with jobs started by job-host JVMs. */
class ProcessHostedJobPoolTest extends JobPoolTest {
    @Override
    WorkerType hosts() {
        return WorkerType.PROCESS;
    }
}
