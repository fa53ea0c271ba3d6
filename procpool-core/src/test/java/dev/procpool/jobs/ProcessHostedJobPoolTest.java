package dev.procpool.jobs;

import dev.procpool.WorkerType;
import org.junit.jupiter.api.Tag;

/** {@link JobPoolTest} with jobs started by job-host JVMs. */
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class ProcessHostedJobPoolTest extends JobPoolTest {
    @Override
    WorkerType hosts() {
        return WorkerType.PROCESS;
    }
}
