package demo.tck;

import dev.procpool.WorkerType;
import org.junit.jupiter.api.Tag;

/** The {@code ExecutorService} contract on a pool of a thread and a process worker. */
@Tag("jvm")
class MixedPoolViewTest extends ExecutorServiceContract {
    @Override
    WorkerType[] kinds() {
        return new WorkerType[] {WorkerType.THREAD, WorkerType.PROCESS};
    }
}
