package dev.procpool.logs;

import dev.procpool.Token;
import dev.procpool.internal.logs.Json;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * A sink that ships events to a {@link LogServer}, typically on another host: use it as a
 * worker's sink ({@code WorkerOptions.Builder.logsTo}) on any machine that runs workers, or feed
 * it events yourself. Authenticates when it connects, so a wrong token or an unreachable server
 * is an {@link IOException} from {@link #connect}, not a silent loss later.
 *
 * <p>Thread-safe. Writes are buffered, and flushed 100 ms after the first unflushed one (by a
 * {@code procpool-logclient-flush} thread), on {@link #flush()} and on {@link #close()}. If the connection breaks, {@link #accept} throws
 * {@link UncheckedIOException} from then on (a worker's I/O thread logs that and goes on) and
 * {@link #failed()} counts the events that could not be sent.
 *
 * <pre>{@code
 * Token token = Token.fromFile(Path.of("/etc/procpool/log-token"));
 * try (LogServerClient logs = LogServerClient.connect("loghost", 7400, token)) {
 *     WorkerOptions options = WorkerOptions.builder().logsTo(logs).build();
 *     ... run workers ...
 * }
 * }</pre>
 */
public final class LogServerClient implements LogSink, Flushable, Closeable {
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final OutputStream out;
    private final String server;
    private final FlushLater flusher;
    private long failed;
    private IOException broken;
    private boolean closed;

    private LogServerClient(Socket socket, String server) throws IOException {
        this.socket = socket;
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        this.server = server;
        this.flusher = new FlushLater("procpool-logclient-flush-" + server, this::flushQuietly);
    }

    private synchronized void flushQuietly() {
        try {
            flush();
        } catch (IOException e) {
            broken = e; // the next event reports it to its caller
        }
    }

    /** Connects and authenticates with {@code token}; fails if the server refuses or does not answer within 10 s. */
    public static LogServerClient connect(String host, int port, Token token) throws IOException {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(token, "token");
        String where = host + ":" + port;
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            s.setTcpNoDelay(true);
            s.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
            OutputStream o = s.getOutputStream();
            o.write(LogServer.GREETING.getBytes(StandardCharsets.UTF_8));
            o.write(token.bytes());
            o.write('\n');
            o.flush();
            String answer = LogServer.readLine(s.getInputStream(), new ByteArrayOutputStream(), 4096);
            if (answer == null) {
                throw new IOException("log server " + where + " closed the connection without answering");
            }
            if (answer.startsWith("REFUSED")) {
                throw new IOException("log server " + where + " refused this client: " + answer.substring(7).strip());
            }
            if (!answer.equals("OK")) {
                throw new IOException("not a procpool log server at " + where + " (it answered '"
                        + (answer.length() > 60 ? answer.substring(0, 60) + "..." : answer) + "')");
            }
            s.setSoTimeout(0);
            return new LogServerClient(s, where);
        } catch (IOException e) {
            s.close();
            throw e.getMessage() != null && e.getMessage().contains(where) ? e
                    : new IOException("cannot connect to the log server at " + where + ": " + e, e);
        }
    }

    @Override
    public void accept(LogEvent event) {
        byte[] line = (Json.encode(event) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("LogServerClient for " + server + " is closed");
            }
            if (broken != null) {
                failed++;
                throw new UncheckedIOException("connection to the log server " + server + " is broken", broken);
            }
            try {
                out.write(line);
                flusher.soon();
            } catch (IOException e) {
                broken = e;
                failed++;
                throw new UncheckedIOException("cannot send a log event to " + server + ": " + e.getMessage(), e);
            }
        }
    }

    /** Events that could not be sent because the connection broke. */
    public synchronized long failed() {
        return failed;
    }

    @Override
    public synchronized void flush() throws IOException {
        if (!closed && broken == null) {
            out.flush();
        }
    }

    /** Sends what is buffered and closes the connection; idempotent. */
    @Override
    public void close() throws IOException {
        try {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    if (broken == null) {
                        out.flush();
                    }
                } finally {
                    socket.close();
                }
            }
        } finally {
            flusher.close(); // outside the lock: its thread may be waiting for it
        }
    }

    @Override
    public String toString() {
        return "LogServerClient{" + server + "}";
    }
}
