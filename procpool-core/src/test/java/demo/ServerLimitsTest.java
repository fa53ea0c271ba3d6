package demo;

import dev.procpool.Token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.OutputHandler;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.internal.RemoteServer;
import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.protocol.Handshake;
import dev.procpool.internal.protocol.RemoteWire;
import dev.procpool.logs.LogServer;
import dev.procpool.logs.LogSink;
import dev.procpool.remote.WorkerServer;
import dev.procpool.remote.WorkerServerOptions;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.Misbehave;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The limits of the worker server and the log server (they share one accept loop), and the
 * handshake check every side uses.
 */
class ServerLimitsTest {

    /** Connects from {@code from} and reads the challenge: a connection that never authenticates. */
    static Socket idle(InetSocketAddress server, String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(server, 5000);
        s.setSoTimeout(5000);
        return s;
    }

    static String refusal(Socket s) throws IOException {
        RemoteWire.Raw first = RemoteWire.read(s.getInputStream(), RemoteWire.MAX_UNAUTHENTICATED);
        assertThat(first.type()).as("frame type of the server's first frame").isEqualTo(Frames.REFUSE);
        return new String(first.payload(), StandardCharsets.UTF_8);
    }

    static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Test
    void unauthenticatedConnectionsAreLimitedPerAddressAndInAll() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        List<Socket> sockets = new ArrayList<>();
        int perAddress = RemoteServer.Settings.MAX_UNAUTHENTICATED_PER_ADDRESS;
        int all = RemoteServer.Settings.MAX_UNAUTHENTICATED;
        try (WorkerServer server = WorkerServer.start(RemoteUserClassesTest.serverOptions(log).build())) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.address().getPort());
            for (int i = 0; i < perAddress; i++) {
                Socket s = idle(address, "127.0.0.2");
                assertThat(RemoteWire.read(s.getInputStream(), 4096).type()).isEqualTo(Frames.R_CHALLENGE);
                sockets.add(s);
            }
            try (Socket over = idle(address, "127.0.0.2")) {
                assertThat(refusal(over)).isEqualTo("too many connections still authenticating from /127.0.0.2 (at most "
                        + perAddress + " per address)");
            }
            // other addresses still get in, up to the limit of all
            for (int host = 3; sockets.size() < all; host++) {
                for (int i = 0; i < perAddress && sockets.size() < all; i++) {
                    Socket s = idle(address, "127.0.0." + host);
                    assertThat(RemoteWire.read(s.getInputStream(), 4096).type()).isEqualTo(Frames.R_CHALLENGE);
                    sockets.add(s);
                }
            }
            try (Socket over = idle(address, "127.0.0.100")) {
                assertThat(refusal(over)).isEqualTo("too many connections still authenticating (at most " + all + ")");
            }
            // a controller is refused too while they hold the slots, and says so
            WorkerOptions options = WorkerOptions.builder().output(OutputHandler.discard())
                    .remote(server.remoteOptions().allowClasses("demo.*").build()).build();
            assertThatThrownBy(() -> Workers.start(WorkerType.REMOTE, () -> "x", options))
                    .isInstanceOf(WorkerStartException.class)
                    .hasMessageContaining("refused: too many connections still authenticating");
            // once they go, work is served again
            closeAll(sockets);
            // the server frees its slots when it sees the connections end, a moment after they do
            await().atMost(Deadlines.SHORT).ignoreExceptionsInstanceOf(WorkerStartException.class).untilAsserted(() -> {
                Worker<String> w = Workers.start(WorkerType.REMOTE, () -> "served", options);
                assertThat(w.await(Deadlines.LONG)).isTrue();
                assertThat(w.result()).isEqualTo("served");
            });
            assertThat(server.refusedConnections()).isGreaterThanOrEqualTo(3);
        } finally {
            closeAll(sockets);
        }
    }

    @Test
    @Tag("jvm")
    void aServerAtItsWorkerLimitRefusesTheNextWorkerWithAMessageTheControllerReports() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (WorkerServer server = WorkerServer.start(RemoteUserClassesTest.serverOptions(log).maxWorkers(1).build())) {
            WorkerOptions options = WorkerOptions.builder().output(OutputHandler.discard())
                    .remote(server.remoteOptions().allowClasses("demo.*").build()).build();
            Worker<String> first = Workers.start(WorkerType.REMOTE, Misbehave.hang(), options);
            assertThatThrownBy(() -> Workers.start(WorkerType.REMOTE, () -> "second", options))
                    .isInstanceOf(WorkerStartException.class)
                    .hasMessageContaining("the worker-server runs its limit of 1 workers at once")
                    .hasMessageContaining("--max-workers");
            first.kill();
            assertThat(first.await(Deadlines.LONG)).isTrue();
            // the server frees its slots when it sees the connections end, a moment after they do
            await().atMost(Deadlines.SHORT).ignoreExceptionsInstanceOf(WorkerStartException.class).untilAsserted(() -> {
                Worker<String> next = Workers.start(WorkerType.REMOTE, () -> "next", options);
                assertThat(next.await(Deadlines.LONG)).isTrue();
                assertThat(next.result()).isEqualTo("next");
            });
        }
    }

    @Test
    void theLogServerSharesTheLimits() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        int perAddress = RemoteServer.Settings.MAX_UNAUTHENTICATED_PER_ADDRESS;
        try (LogServer logs = LogServer.builder().token(Token.of("log-token-0123456789")).sink(LogSink.slf4j()).start()) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", logs.port());
            for (int i = 0; i < perAddress; i++) {
                sockets.add(idle(address, "127.0.0.7"));
            }
            await().atMost(Deadlines.SHORT).until(() -> logs.toString().contains("connections=" + perAddress));
            try (Socket over = idle(address, "127.0.0.7")) {
                String line = new BufferedReader(new InputStreamReader(over.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                assertThat(line).isEqualTo("REFUSED too many connections still authenticating from /127.0.0.7 (at most "
                        + perAddress + " per address)");
            }
        } finally {
            closeAll(sockets);
        }
    }

    @Test
    void aWorkerOfAnotherProtocolVersionIsToldSoNotCalledAStranger() throws Exception {
        byte[] hello = hello(Frames.MAGIC, Frames.VERSION + 1, "s3cret");
        assertThatThrownBy(() -> Handshake.checkWorkerHello(Frames.HELLO, 5, hello, 5, "s3cret"))
                .isInstanceOfSatisfying(Handshake.Refused.class, r -> assertThat(r.versionMismatch()).isTrue())
                .hasMessageContaining("protocol version " + (Frames.VERSION + 1));
        assertThatThrownBy(() -> Handshake.checkWorkerHello(Frames.HELLO, 5, hello(Frames.MAGIC, Frames.VERSION, "s3creT"),
                5, "s3cret")).isInstanceOfSatisfying(Handshake.Refused.class,
                        r -> assertThat(r.versionMismatch()).isFalse()).hasMessage("wrong worker secret");
        assertThatThrownBy(() -> Handshake.checkWorkerHello(Frames.HELLO, 6, hello(Frames.MAGIC, Frames.VERSION, "s3cret"),
                5, "s3cret")).hasMessage("wrong worker secret");
        assertThat(Handshake.checkWorkerHello(Frames.HELLO, 5, hello(Frames.MAGIC, Frames.VERSION, "s3cret"), 5, "s3cret")
                .taskThreadId()).isEqualTo(77);
    }

    static byte[] hello(int magic, int version, String secret) {
        dev.procpool.internal.protocol.Buf b = new dev.procpool.internal.protocol.Buf(64);
        b.writeInt(magic);
        b.writeInt(version);
        b.writeLong(1234);
        b.writeLong(77);
        b.writeString(secret);
        return b.toByteArray();
    }
}
