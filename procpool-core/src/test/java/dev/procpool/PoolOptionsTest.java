package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.testing.CountingCodec;
import org.junit.jupiter.api.Test;

/** Pool options checked when built: no worker is started. */
class PoolOptionsTest {

    @Test
    void aPoolWhoseWorkersWouldUseDifferentCodecsIsRefused() {
        WorkerOptions plain = WorkerOptions.defaults();
        WorkerOptions counting = WorkerOptions.builder().codec(new CountingCodec()).build();

        assertThatThrownBy(() -> PoolOptions.builder().maxWorkers(4).workerOptions(i -> i == 2 ? counting : plain).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("same codec")
                .hasMessageContaining("worker 0 uses " + JdkCodec.class.getName())
                .hasMessageContaining("worker 2 uses " + CountingCodec.class.getName());
    }

    @Test
    void perWorkerOptionsWithOneCodecAreAccepted() {
        PoolOptions options = PoolOptions.builder().maxWorkers(3)
                .workerOptions(i -> WorkerOptions.builder().codec(new CountingCodec()).maxHeap(i == 0 ? "256m" : "128m").build())
                .build();

        assertThat(options.workerOptions(1).codec()).isInstanceOf(CountingCodec.class);
        assertThat(options.workerOptions(0).maxHeap()).contains("256m");
    }
}
