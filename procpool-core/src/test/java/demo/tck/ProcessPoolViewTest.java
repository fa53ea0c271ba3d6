package demo.tck;

import dev.procpool.WorkerType;
import org.junit.jupiter.api.Tag;

/** The {@code ExecutorService} contract on a pool of process workers. */
@Tag("jvm")
class ProcessPoolViewTest extends ExecutorServiceContract {
    @Override
    WorkerType[] kinds() {
        return new WorkerType[] {WorkerType.PROCESS};
    }
}
