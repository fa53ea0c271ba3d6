package dev.procpool.jobs;

import dev.procpool.WorkerType;
import org.junit.jupiter.api.Tag;

/** {@link JobPoolTest} with jobs started by threads of the test JVM. */
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class ThreadHostedJobPoolTest extends JobPoolTest {
    @Override
    WorkerType hosts() {
        return WorkerType.THREAD;
    }
}
