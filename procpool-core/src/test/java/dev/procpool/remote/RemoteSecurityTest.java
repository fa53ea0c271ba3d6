package dev.procpool.remote;

import static dev.procpool.remote.RemoteWorkerTest.TOKEN;
import static dev.procpool.remote.RemoteWorkerTest.remote;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.Token;
import dev.procpool.OutputHandler;
import dev.procpool.PersistentWorker;
import dev.procpool.RemoteThrowable;
import dev.procpool.Task;
import dev.procpool.TaskFailedException;
import dev.procpool.TaskNotSerializableException;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerState;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.protocol.RemoteWire;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import gadgets.Gadget;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Who gets in, what gets deserialized, and what code crosses: the promises of docs/security.md. */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class RemoteSecurityTest {
    private final List<String> log = new CopyOnWriteArrayList<>();

    private WorkerServer server() throws Exception {
        return WorkerServer.start(WorkerServerOptions.builder().token(TOKEN).output(OutputHandler.discard())
                .log(log::add).build());
    }

    private void awaitLogLine(String fragment) {
        await("log line with '" + fragment + "'").atMost(Deadlines.SHORT)
                .until(() -> log.stream().anyMatch(l -> l.contains(fragment)));
    }

    @Test
    void aWrongTokenIsRefusedAndNoWorkerStarts() throws Exception {
        try (WorkerServer server = server()) {
            WorkerOptions wrong = WorkerOptions.builder().remote(server.remoteOptions()
                    .token(Token.of("not-the-right-token-at-all")).build()).build();

            assertThatThrownBy(() -> Workers.start(WorkerType.REMOTE, () -> "never", wrong))
                    .isInstanceOf(WorkerStartException.class).hasMessageContaining("refused")
                    .hasMessageContaining("authentication failed");

            awaitLogLine("authentication failed (wrong token)");
            assertThat(log).anyMatch(l -> l.startsWith("refused connection from /127.0.0.1:"));
            assertThat(log).noneMatch(l -> l.contains("started worker"));
            assertThat(server.refusedConnections()).isEqualTo(1);
        }
    }

    @Test
    void aServerThatCannotProveTheTokenIsNotUsed() throws Exception {
        Token other = Token.of("another-token-for-an-impostor!!");
        try (WorkerServer impostor = WorkerServer.start(WorkerServerOptions.builder().token(other).log(l -> { }).build())) {
            WorkerOptions options = WorkerOptions.builder().remote(impostor.remoteOptions().token(TOKEN).build()).build();
            assertThatThrownBy(() -> Workers.start(WorkerType.REMOTE, () -> "never", options))
                    .isInstanceOf(WorkerStartException.class).hasMessageContaining("authentication failed");
        }
    }

    @Test
    void garbageBytesAreRefusedWithALogLine() throws Exception {
        try (WorkerServer server = server(); Socket s = connect(server)) {
            readChallenge(s.getInputStream());
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertRefused(s, "oversized frame");
            awaitLogLine("oversized frame (1195725856 bytes");
        }
    }

    @Test
    void aMalformedFrameIsRefusedWithALogLine() throws Exception {
        try (WorkerServer server = server(); Socket s = connect(server)) {
            readChallenge(s.getInputStream());
            s.getOutputStream().write(new byte[] {0, 0, 0, 3, 1, 2, 3});
            assertRefused(s, "malformed");
            awaitLogLine("malformed frame (length 3");
        }
    }

    @Test
    void anOversizedFrameIsRefusedBeforeItIsRead() throws Exception {
        try (WorkerServer server = server(); Socket s = connect(server)) {
            readChallenge(s.getInputStream());
            ByteBuffer header = ByteBuffer.allocate(13).putInt(64 << 20).put(Frames.R_AUTH).putLong(0);
            s.getOutputStream().write(header.array()); // 64 MiB announced, none sent
            assertRefused(s, "oversized");
            awaitLogLine("oversized frame (67108864 bytes");
        }
    }

    @Test
    void aSerializedGadgetSentInsteadOfTheProofIsRefusedUndeserialized() throws Exception {
        int before = Gadget.READS.get();
        try (WorkerServer server = server(); Socket s = connect(server)) {
            readChallenge(s.getInputStream());
            RemoteWire.write(s.getOutputStream(), Frames.R_AUTH, 0, Gadget.serialized());
            assertRefused(s, "malformed input: expected AUTH");
            awaitLogLine("expected AUTH");
        }
        assertThat(Gadget.READS.get()).as("Gadget.readObject calls").isEqualTo(before);
    }

    @Test
    void aGadgetReturnedByARemoteTaskIsRefusedByTheControllersAllowList() throws Exception {
        int before = Gadget.READS.get();
        try (WorkerServer server = server()) {
            Worker<Object> w = Workers.start(WorkerType.REMOTE, () -> new Gadget(), remote(server));
            assertThat(w.await(Deadlines.LONG)).isTrue();

            assertThat(w.state()).isEqualTo(WorkerState.FAILED);
            assertThatThrownBy(w::result).isInstanceOf(TaskFailedException.class)
                    .hasCauseInstanceOf(TaskNotSerializableException.class)
                    .cause().hasMessageContaining("class gadgets.Gadget is not on the allow-list of this controller")
                    .hasMessageContaining("allowClasses(\"gadgets.*\")");
        }
        assertThat(Gadget.READS.get()).as("Gadget.readObject calls in the controller").isEqualTo(before);
    }

    @Test
    void aValueOfAClassOutsideTheAllowListIsRefusedByTheRemoteWorker() throws Exception {
        try (WorkerServer server = server()) {
            PersistentWorker<Object, String> w = Workers.persistent(WorkerType.REMOTE, (Object o) -> "read " + o,
                    remote(server));
            w.enqueue(new Gadget());
            w.enqueue("text");
            assertThatThrownBy(() -> w.nextResult(Deadlines.LONG))
                    .hasMessageContaining("class gadgets.Gadget is not on the allow-list of this remote worker")
                    .hasMessageContaining("allowClasses(\"gadgets.*\") on the controller");
            assertThat(w.nextResult(Deadlines.LONG)).isEqualTo("read text");
            w.close();
            assertThat(w.await(Deadlines.LONG)).isTrue();
        }
    }

    @Test
    void allowedClassesCrossBothWays() throws Exception {
        try (WorkerServer server = server()) {
            WorkerOptions options = WorkerOptions.builder().output(OutputHandler.discard())
                    .remote(server.remoteOptions().allowClasses("gadgets.*").build()).build();
            Worker<Object> w = Workers.start(WorkerType.REMOTE, () -> new Gadget(), options);
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.result()).isInstanceOf(Gadget.class);
        }
    }

    @Test
    void anExceptionOfAClassOutsideTheAllowListArrivesAsARemoteThrowable() throws Exception {
        try (WorkerServer server = server()) {
            Worker<Object> w = Workers.start(WorkerType.REMOTE, () -> {
                throw new GadgetException("bad input 7");
            }, remote(server));
            assertThat(w.await(Deadlines.LONG)).isTrue();
            Throwable error = w.error().orElseThrow();
            Throwable cause = error instanceof RemoteThrowable ? error : error.getCause();
            assertThat(cause).isInstanceOf(RemoteThrowable.class).hasMessageContaining("bad input 7");
            assertThat(((RemoteThrowable) cause).remoteClassName()).isEqualTo(GadgetException.class.getName());
        }
    }

    /** An exception class the default allow-list does not cover (this test's package is allowed). */
    static final class GadgetException extends gadgets.GadgetBase {
        private static final long serialVersionUID = 1L;

        GadgetException(String message) {
            super(message);
        }
    }

    /** Compiles gen.Shout (and a helper class) into a directory that is not on any classpath. */
    private static java.net.URLClassLoader controllerOnlyClasses(Path dir) throws Exception {
        Path src = dir.resolve("src/gen/Shout.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "package gen;\n"
                + "public class Shout implements dev.procpool.Task<String>, java.io.Serializable {\n"
                + "  private final String word;\n"
                + "  public Shout(String word) { this.word = word; }\n"
                + "  public String call() throws Exception {\n"
                + "    Class<?> byName = Thread.currentThread().getContextClassLoader().loadClass(\"gen.Helper\");\n"
                + "    return new Helper().loud(word) + \" via \" + byName.getClassLoader().getName();\n"
                + "  }\n"
                + "}\n"
                + "class Helper { String loud(String s) { return s.toUpperCase() + \"!\"; } }\n");
        Path classes = dir.resolve("classes");
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path"), src.toString());
        assertThat(rc).isZero();
        assertThat(System.getProperty("java.class.path")).doesNotContain(classes.toString());
        return new java.net.URLClassLoader(new java.net.URL[] {classes.toUri().toURL()},
                RemoteSecurityTest.class.getClassLoader());
    }

    private static Worker<String> startShout(java.net.URLClassLoader loader, WorkerOptions options) throws Exception {
        @SuppressWarnings("unchecked")
        Task<String> task = (Task<String>) loader.loadClass("gen.Shout").getConstructor(String.class).newInstance("hello");
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(loader); // a worker serves classes from its creator's context loader
        try {
            return Workers.start(WorkerType.REMOTE, task, options);
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    @Test
    void aClassOnlyTheControllerHasIsLoadedFromItOnDemand(@TempDir Path dir) throws Exception {
        try (var loader = controllerOnlyClasses(dir); WorkerServer server = server()) {
            WorkerOptions options = WorkerOptions.builder().output(OutputHandler.discard())
                    .remote(server.remoteOptions().allowClasses("gen.*").build()).build();
            Worker<String> w = startShout(loader, options);
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.result()).isEqualTo("HELLO! via procpool-remote");
        }
    }

    @Test
    void withoutRemoteClassLoadingAClassTheServerLacksIsAClearError(@TempDir Path dir) throws Exception {
        try (var loader = controllerOnlyClasses(dir); WorkerServer server = server()) {
            WorkerOptions options = WorkerOptions.builder().output(OutputHandler.discard())
                    .remote(server.remoteOptions().allowClasses("gen.*").remoteClassLoading(false).build()).build();
            Worker<String> w = startShout(loader, options);
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.state()).isEqualTo(WorkerState.FAILED);
            assertThat(w.error().orElseThrow()).hasStackTraceContaining("ClassNotFoundException")
                    .hasStackTraceContaining("gen.Shout");
        }
    }

    private static Socket connect(WorkerServer server) throws Exception {
        Socket s = new Socket(server.address().getHostString(), server.address().getPort());
        s.setSoTimeout((int) Deadlines.SHORT.toMillis());
        return s;
    }

    private static void readChallenge(InputStream in) throws Exception {
        RemoteWire.Raw c = RemoteWire.read(in, 4096);
        assertThat(c.type()).isEqualTo(Frames.R_CHALLENGE);
    }

    /** The server answers REFUSE with a reason, then closes. */
    private static void assertRefused(Socket s, String reason) throws Exception {
        InputStream in = s.getInputStream();
        RemoteWire.Raw r = RemoteWire.read(in, 4096);
        assertThat(r.type()).isEqualTo(Frames.REFUSE);
        assertThat(new String(r.payload(), StandardCharsets.UTF_8)).contains(reason);
        assertThat(in.read()).as("closed after refusing").isEqualTo(-1);
    }
}
