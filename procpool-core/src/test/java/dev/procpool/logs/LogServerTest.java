package dev.procpool.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.Token;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.procpool.OutputHandler;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The log server takes JSON events from other JVMs (a worker JVM stands in for another host)
 * after they authenticate with the shared token, and refuses everything else with a log line.
 */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class LogServerTest {
    private final Queue<LogEvent> received = new ConcurrentLinkedQueue<>();
    private final ListAppender<ILoggingEvent> serverLog = new ListAppender<>();
    private final String token = UUID.randomUUID().toString();
    private ch.qos.logback.classic.Logger serverLogger;
    private LogServer server;

    @BeforeEach
    void start(@TempDir Path dir) throws IOException {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        serverLogger = ctx.getLogger(LogServer.class);
        serverLogger.setAdditive(false); // the refusals below are expected: keep them off the console
        serverLogger.setLevel(ch.qos.logback.classic.Level.WARN);
        serverLog.setContext(ctx);
        serverLog.start();
        serverLogger.addAppender(serverLog);
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, token + "\n");
        server = LogServer.builder().tokenFile(tokenFile).sink(received::add).maxLineBytes(4096)
                .authTimeout(Duration.ofMillis(500)).start();
    }

    @AfterEach
    void stop() {
        server.close();
        serverLogger.detachAppender(serverLog);
        serverLogger.setAdditive(true);
        serverLogger.setLevel(null);
    }

    private List<String> serverWarnings() {
        return serverLog.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void eventsShippedFromAnotherJvmArriveInOrder() throws Exception {
        int port = server.port();
        String tok = token;
        Worker<Integer> remote = Workers.start(WorkerType.PROCESS, () -> {
            try (LogServerClient client = LogServerClient.connect("127.0.0.1", port, Token.of(tok))) {
                for (int i = 0; i < 1000; i++) {
                    client.accept(new LogEvent(Instant.now(), "far-away", LogEvent.Source.LOG, Level.INFO, "remote.app",
                            "main", "event " + i + " \"quoted\"\nsecond line", i == 999 ? "java.lang.Error: x\n\tat a.b(c)" : null));
                }
            }
            return 1000;
        }, WorkerOptions.builder().output(OutputHandler.discard()).build());
        assertThat(remote.await(Deadlines.LONG)).isTrue();
        assertThat(remote.result()).isEqualTo(1000);

        await("all events").atMost(Deadlines.SHORT).until(() -> received.size() == 1000);
        List<LogEvent> got = List.copyOf(received);
        for (int i = 0; i < 1000; i++) {
            assertThat(got.get(i).message()).isEqualTo("event " + i + " \"quoted\"\nsecond line");
        }
        assertThat(got.get(0).worker()).isEqualTo("far-away");
        assertThat(got.get(999).exception()).isEqualTo("java.lang.Error: x\n\tat a.b(c)");
        assertThat(server.received()).isEqualTo(1000);
        assertThat(serverWarnings()).isEmpty();
    }

    @Test
    void aProcessWorkersEventsAndLinesCanBeShippedToTheServer() throws Exception {
        try (LogServerClient client = LogServerClient.connect("127.0.0.1", server.port(), Token.of(token))) {
            Worker<String> w = Workers.start(WorkerType.PROCESS, () -> {
                LoggerFactory.getLogger("shipped").warn("to the server");
                System.out.println("a line too");
                return "ok";
            }, WorkerOptions.builder().name("shipper").logsTo(client).build());
            assertThat(w.await(Deadlines.LONG)).isTrue();
        }
        await("both arrive").atMost(Deadlines.SHORT).until(() -> received.size() == 2);
        assertThat(received).extracting(LogEvent::worker).containsOnly("shipper");
        assertThat(received).extracting(LogEvent::message).containsExactlyInAnyOrder("to the server", "a line too");
    }

    @Test
    void aWrongTokenIsRefusedWithAClearErrorAndALogLine() {
        assertThatThrownBy(() -> LogServerClient.connect("127.0.0.1", server.port(), Token.of("not-the-token-at-all")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("refused this client: wrong token");
        await().atMost(Deadlines.SHORT).until(() -> serverWarnings().stream().anyMatch(m -> m.contains("wrong token")));
        assertThat(received).isEmpty();
    }

    @Test
    void garbageAfterAuthenticatingClosesTheConnectionAndKeepsWhatCameBefore() throws Exception {
        try (Socket s = authenticated()) {
            String good = JsonLinesSink.toJson(LogEvent.ofLine("w", LogEvent.Source.STDOUT, "fine"));
            send(s, good + "\nthis is not json\n{\"more\":\"after\"}\n");
            assertThat(readToEnd(s)).isEmpty(); // closed by the server
        }
        assertThat(received).extracting(LogEvent::message).containsExactly("fine");
        await().atMost(Deadlines.SHORT).until(() -> serverWarnings().stream()
                .anyMatch(m -> m.contains("line 2 is not a log event") && m.contains("this is not json")));
    }

    @Test
    void anOverlongLineClosesTheConnection() throws Exception {
        try (Socket s = authenticated()) {
            send(s, "{\"message\":\"" + "x".repeat(10_000));
            assertThat(readToEnd(s)).isEmpty();
        }
        await().atMost(Deadlines.SHORT).until(() -> serverWarnings().stream()
                .anyMatch(m -> m.contains("longer than 4096 bytes")));
        assertThat(received).isEmpty();
    }

    @Test
    void aClientThatSendsEventsWithoutAuthenticatingOrNothingAtAllIsRefused() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            send(s, JsonLinesSink.toJson(LogEvent.ofLine("w", LogEvent.Source.STDOUT, "sneaky")) + "\n");
            assertThat(readToEnd(s)).isEqualTo("REFUSED expected greeting\n");
        }
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            assertThat(readToEnd(s)).isEqualTo("REFUSED authentication timed out\n");
        }
        assertThat(received).isEmpty();
        await().atMost(Deadlines.SHORT).until(() -> serverWarnings().stream().anyMatch(m -> m.contains("did not authenticate"))
                && serverWarnings().stream().anyMatch(m -> m.contains("no authentication within 500 ms")));
    }

    @Test
    void aServerNeedsATokenThatIsSet() {
        assertThatThrownBy(() -> LogServer.builder().sink(LogSink.discard()).start())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs a token");
        assertThatThrownBy(() -> LogServer.builder().tokenFromEnv("PROCPOOL_TEST_NO_SUCH_VARIABLE"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PROCPOOL_TEST_NO_SUCH_VARIABLE");
        assertThatThrownBy(() -> LogServer.builder().tokenFile(Path.of("/no/such/token/file")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private Socket authenticated() throws IOException {
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout((int) Deadlines.SHORT.toMillis());
        send(s, "PROCPOOL-LOGS 1 " + token + "\n");
        byte[] ok = s.getInputStream().readNBytes(3);
        assertThat(new String(ok, StandardCharsets.US_ASCII)).isEqualTo("OK\n");
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Everything until the server closes (a read timeout fails the test instead of hanging it). */
    private static String readToEnd(Socket s) throws IOException {
        s.setSoTimeout((int) Deadlines.SHORT.toMillis());
        InputStream in = s.getInputStream();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        try {
            in.transferTo(got);
        } catch (java.net.SocketException e) {
            // a reset instead of a clean end: the server closed with our unread lines in its buffer
        }
        return got.toString(StandardCharsets.UTF_8);
    }
}
