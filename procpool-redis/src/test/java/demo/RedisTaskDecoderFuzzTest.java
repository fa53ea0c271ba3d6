package demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.Task;
import dev.procpool.redis.internal.TaskDecoder;
import dev.procpool.redis.internal.Wire;
import gadgets.Gadget;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing of the decoder of what a Redis node reads from the task stream, where anyone who can
 * write to Redis can write: mutated tasks (a lambda, a task object, a gadget) must decode to an
 * allowed value or be refused with the decoder's checked exceptions, and no gadget is ever built.
 */
@Tag("fuzz")
class RedisTaskDecoderFuzzTest {
    @Test
    void mutatedTasksAreDecodedOrRefusedNeverCrashingOrBuildingAGadget() throws Exception {
        int before = Gadget.READS.get();
        Task<String> lambda = () -> "hi";
        List<byte[]> seeds = List.of(Wire.encode(lambda), Wire.encode(new Gadget()), Wire.encode(List.of(1, "two", 3.0)),
                Wire.encode(dev.procpool.testing.Misbehave.hang()));
        TaskDecoder decoder = new TaskDecoder("java.base/*;dev.procpool.**");
        ProtocolFuzzTest.fuzz("Redis task decoder (TaskDecoder.decode)", 10_000, seeds, input -> {
            try {
                Object o = decoder.decode(input);
                assertThat(o instanceof Gadget).as("decoded a gadget").isFalse();
                return true;
            } catch (ClassNotFoundException e) {
                return false;
            }
        });
        ProtocolFuzzTest.FIGURES.forEach(f -> System.out.println("fuzz (seed " + ProtocolFuzzTest.SEED + "): " + f));
        assertThat(Gadget.READS.get()).as("gadget readObject calls").isEqualTo(before);
    }
}
