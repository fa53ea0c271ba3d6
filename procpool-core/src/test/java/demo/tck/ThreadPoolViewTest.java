package demo.tck;

import dev.procpool.WorkerType;

/** The {@code ExecutorService} contract on a pool of thread workers. */
class ThreadPoolViewTest extends ExecutorServiceContract {
    @Override
    WorkerType[] kinds() {
        return new WorkerType[] {WorkerType.THREAD};
    }
}
