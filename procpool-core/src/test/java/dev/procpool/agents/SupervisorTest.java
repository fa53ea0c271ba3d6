package dev.procpool.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerType;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The supervisor and its agents, with real worker processes (and threads where the kind is a parameter). */
@ExtendWith(LeakCheck.class)
class SupervisorTest {
    @TempDir
    Path dir;

    /** Prints of every agent, as "name: text". */
    private final List<String> printed = new CopyOnWriteArrayList<>();
    /** Messages sent to the supervisor, as "name: message". */
    private final List<Object> toSupervisor = new CopyOnWriteArrayList<>();

    private Supervisor.Builder supervisor() {
        return Supervisor.builder()
                .printHandler((name, id, text) -> printed.add(name + ": " + text))
                .messageHandler((name, id, m) -> toSupervisor.add(m))
                .options(SupervisorOptions.builder().grace(Deadlines.GRACE).build());
    }

    static final class Receiver extends Agent {
        @Override
        protected void run() throws Exception {
            print("got", nextMessage(), "from", sender());
        }
    }

    static final class Greeter extends Agent {
        @Override
        protected void run() {
            send(ids("receiver"), "hello from " + id());
        }
    }

    @ParameterizedTest
    @EnumSource(value = WorkerType.class, names = {"THREAD", "PROCESS"})
    void aMessageSentByNameReachesTheAgentOfThatName(WorkerType type) throws Exception {
        supervisor().add(AgentSpec.of("receiver", new Receiver()).type(type),
                        AgentSpec.of("greeter", new Greeter()).type(type))
                .build().supervise(Deadlines.LONG);
        assertThat(printed).containsExactly("receiver: got hello from 1 from 1");
    }
}
