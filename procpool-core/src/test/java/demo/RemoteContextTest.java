package demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.PersistentWorker;
import dev.procpool.Worker;
import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerState;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.Token;
import dev.procpool.remote.RemoteContext;
import dev.procpool.remote.RemoteOptions;
import dev.procpool.remote.WorkerServer;
import dev.procpool.testing.LeakCheck;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;

/**
 * Remote contexts (pyworkers' {@code RemoteContext}): a named scope on a worker server that
 * remote workers join by id, ended all at once by its owner or by the owner's death.
 */
@Tag("jvm")
@ExtendWith(LeakCheck.class)
class RemoteContextTest {
    private WorkerServer server;
    private RemoteOptions remote;
    private WorkerOptions options;

    @BeforeEach
    void start() throws Exception {
        server = Servers.start();
        remote = Servers.remote(server);
        options = Servers.options(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String hang() throws InterruptedException {
        Thread.sleep(600_000);
        return "woke";
    }

    @Test
    void endingTheContextTerminatesEveryWorkerInItAndNoOther() throws Exception {
        RemoteContext ctx = RemoteContext.open(remote, "nightly");
        WorkerOptions inside = options.toBuilder().remoteContext(ctx.id()).build();
        Worker<String> oneShot = Workers.start(WorkerType.REMOTE, RemoteContextTest::hang, inside);
        PersistentWorker<Integer, Integer> persistent = Workers.persistent(WorkerType.REMOTE, (Integer x) -> x + 1, inside);
        persistent.enqueue(1);
        assertThat(persistent.nextResult(Servers.WAIT)).isEqualTo(2);
        try (Worker<String> outside = Workers.start(WorkerType.REMOTE, RemoteContextTest::hang, options)) {
            await().atMost(Servers.WAIT).until(() -> oneShot.state() == WorkerState.RUNNING
                    && outside.state() == WorkerState.RUNNING);
            long pid = oneShot.pid();
            assertThat(ctx.isOpen()).isTrue();

            assertThat(ctx.end()).isEqualTo(OptionalInt.of(2));

            assertThat(ctx.isOpen()).isFalse();
            for (Worker<?> w : List.of(oneShot, persistent)) {
                assertThat(w.await(Servers.WAIT)).isTrue();
                assertThat(w.state()).isEqualTo(WorkerState.DIED);
                assertThat(w.exit().orElseThrow().description()).contains("remote context 'nightly' ended");
            }
            assertThat(oneShot.error()).get().isInstanceOf(WorkerDiedException.class);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
            assertThat(outside.state()).isEqualTo(WorkerState.RUNNING);
            outside.terminate(Duration.ofSeconds(2));
        }
        assertThatThrownBy(() -> Workers.start(WorkerType.REMOTE, () -> 1, inside))
                .isInstanceOf(WorkerStartException.class).hasMessageContaining("no open remote context");
    }

    @Test
    void aWorkerAsksForAContextTheServerDoesNotHave() {
        assertThatThrownBy(() -> Workers.start(WorkerType.REMOTE, () -> 1,
                options.toBuilder().remoteContext("0123456789abcdef").build()))
                .isInstanceOf(WorkerStartException.class).hasMessageContaining("no open remote context with id 0123456789abcdef");
        assertThatThrownBy(() -> Workers.start(WorkerType.PROCESS, () -> 1,
                options.toBuilder().remoteContext("0123456789abcdef").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("REMOTE workers only");
    }

    @Test
    void aContextNeedsTheServersToken() {
        RemoteOptions wrong = server.remoteOptions().token(Token.of("not-the-token-0123456789")).build();
        assertThatThrownBy(() -> RemoteContext.open(wrong, "intruder"))
                .isInstanceOf(IOException.class).hasMessageContaining("authentication failed");
    }

    /**
     * Another controller (a child JVM) owns the context; this one starts a worker in it by id,
     * from its own handle. When the owner dies (SIGKILL), the server ends the context and
     * terminates that worker.
     */
    @Test
    void losingTheOwnerEndsTheContextForWorkersStartedFromAnotherHandle() throws Exception {
        String host = remote.host();
        int port = remote.port();
        String token = Servers.TOKEN_TEXT; // a Token does not travel to another JVM: its text does
        List<String> lines = new CopyOnWriteArrayList<>();
        Worker<Object> owner = Workers.start(WorkerType.PROCESS, () -> {
            RemoteContext ctx = RemoteContext.open(RemoteOptions.builder(host, port).token(Token.of(token)).build(), "owned");
            System.out.println("context " + ctx.id());
            return hang();
        }, WorkerOptions.builder().output((w, source, line) -> lines.add(line)).build());
        try {
            await().atMost(Servers.WAIT).until(() -> lines.stream().anyMatch(l -> l.startsWith("context ")));
            String id = lines.stream().filter(l -> l.startsWith("context ")).findFirst().orElseThrow().substring(8);
            PersistentWorker<Integer, Integer> mine = Workers.persistent(WorkerType.REMOTE, (Integer x) -> x * 2,
                    options.toBuilder().remoteContext(id).build());
            mine.enqueue(21);
            assertThat(mine.nextResult(Servers.WAIT)).isEqualTo(42);

            owner.kill();

            assertThat(mine.await(Servers.WAIT)).isTrue();
            assertThat(mine.state()).isEqualTo(WorkerState.DIED);
            assertThat(mine.exit().orElseThrow().description())
                    .contains("the controller that owned its remote context 'owned' went away");
            assertThatThrownBy(() -> mine.enqueue(1)).isInstanceOf(IllegalStateException.class);
        } finally {
            owner.kill();
        }
    }
}
