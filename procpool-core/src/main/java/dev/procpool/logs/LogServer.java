package dev.procpool.logs;

import dev.procpool.Token;
import dev.procpool.internal.Acceptor;
import dev.procpool.internal.RemoteServer;
import dev.procpool.internal.logs.Json;
import dev.procpool.internal.protocol.Handshake;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives log events over TCP from workers and controllers on other hosts, as JSON lines (the
 * format of {@link JsonLinesSink}), and hands them to a sink. Clients are {@link LogServerClient}s.
 *
 * <p>The conversation: the client sends {@code PROCPOOL-LOGS 1 <token>\n}; the server answers
 * {@code OK\n}, or {@code REFUSED <reason>\n} and closes. Then the client sends one JSON object
 * per line until it closes the connection. The server never deserializes anything but those
 * flat JSON objects. A connection is closed, with one WARN line in this JVM's log naming the
 * peer and the reason, when it fails authentication (wrong token, or none within
 * {@code authTimeout}), sends a line longer than {@code maxLineBytes}, or sends a line that is not
 * a log event; the events it sent before stay delivered.
 *
 * <p>Defaults: bound to {@code 127.0.0.1} on a free port (bind a reachable address to serve
 * other hosts), {@code maxLineBytes} 256 KiB, {@code authTimeout} 10 s, {@code maxConnections}
 * 256, of which at most 128 may be still authenticating, 32 of them from one peer address (more
 * are answered {@code REFUSED} and closed at once). The token is required: {@link Builder#token}, {@link Builder#tokenFile} or
 * {@link Builder#tokenFromEnv}. Plain TCP: the token keeps strangers out, but the traffic is not
 * encrypted; use it on trusted networks or through a tunnel.
 *
 * <p>Threads: {@code procpool-logserver-PORT} accepts; each connection has its own thread
 * ({@code procpool-logserver-PORT-N}) that calls the sink, so the sink must be thread-safe.
 * Events of one connection reach the sink in the order they were sent.
 *
 * <pre>{@code
 * try (JsonLinesSink all = JsonLinesSink.open(Path.of("all-hosts.jsonl"));
 *      LogServer server = LogServer.builder()
 *          .bind(new InetSocketAddress("0.0.0.0", 7400))
 *          .tokenFile(Path.of("/etc/procpool/log-token"))
 *          .sink(all)
 *          .start()) {
 *     ... on another host: WorkerOptions.builder()
 *             .logsTo(LogServerClient.connect("loghost", 7400, Token.fromFile(tokenFile))) ...
 * }
 * }</pre>
 */
public final class LogServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(LogServer.class);
    /** The first line a client sends, before its token. */
    static final String GREETING = "PROCPOOL-LOGS 1 ";
    private static final int MAX_AUTH_LINE = 4096;

    private final ServerSocket server;
    private final byte[] token;
    private final LogSink sink;
    private final int maxLineBytes;
    private final int authTimeoutMillis;
    private final int maxConnections;
    private final Acceptor acceptor;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong sinkFailures = new AtomicLong();
    private volatile boolean closed;

    private LogServer(Builder b, ServerSocket server) {
        this.server = server;
        this.token = b.token.bytes();
        this.sink = b.sink;
        this.maxLineBytes = b.maxLineBytes;
        this.authTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, b.authTimeout.toMillis());
        this.maxConnections = b.maxConnections;
        // Unauthenticated connections are bounded as on the worker server (see its Settings), and
        // never beyond maxConnections.
        this.acceptor = new Acceptor(server, "procpool-logserver-" + server.getLocalPort(),
                new Acceptor.Limits(maxConnections, Math.min(maxConnections, RemoteServer.Settings.MAX_UNAUTHENTICATED),
                        Math.min(maxConnections, RemoteServer.Settings.MAX_UNAUTHENTICATED_PER_ADDRESS)),
                this::serve, (s, reason) -> refuseNow(s, reason), line -> LOG.warn("log server: {}", line));
    }

    /** A builder with every default (the token and the sink must be set). */
    public static Builder builder() {
        return new Builder();
    }

    /** The port the server listens on. */
    public int port() {
        return server.getLocalPort();
    }

    /** The address the server listens on. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Events handed to the sink so far. */
    public long received() {
        return received.get();
    }

    /**
     * Stops accepting, closes every connection (events already read are delivered; the threads
     * end within a second) and returns. Idempotent. The sink is not closed.
     */
    @Override
    public void close() {
        closed = true;
        acceptor.close();
    }

    @Override
    public String toString() {
        return "LogServer{" + address() + ", connections=" + acceptor.openConnections() + ", received=" + received + "}";
    }

    private void serve(Acceptor.Connection connection) {
        Socket s = connection.socket();
        SocketAddress peer = s.getRemoteSocketAddress();
        String closing = null;
        try (s) {
            s.setSoTimeout(authTimeoutMillis);
            InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            String hello;
            try {
                hello = readLine(in, line, MAX_AUTH_LINE);
            } catch (SocketTimeoutException e) {
                closing = "no authentication within " + authTimeoutMillis + " ms";
                refuse(s, "authentication timed out");
                return;
            }
            if (hello == null) {
                closing = "closed before authenticating";
                return;
            }
            if (!hello.startsWith(GREETING)) {
                closing = "did not authenticate (first line is not a procpool log client's greeting)";
                refuse(s, "expected greeting");
                return;
            }
            byte[] theirs = hello.substring(GREETING.length()).getBytes(StandardCharsets.UTF_8);
            if (!Handshake.sameSecret(token, theirs)) { // constant time: no timing hints about the token
                closing = "wrong token";
                refuse(s, "wrong token");
                return;
            }
            OutputStream out = s.getOutputStream();
            out.write("OK\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            connection.authenticated();
            s.setSoTimeout(0);
            long n = 0;
            while (true) {
                String l = readLine(in, line, maxLineBytes);
                if (l == null) {
                    return; // the client is done
                }
                n++;
                if (l.isBlank()) {
                    continue;
                }
                LogEvent e;
                try {
                    e = Json.decode(l);
                } catch (Json.BadJsonException | RuntimeException ex) { // a peer's line: nothing it holds may end this thread
                    closing = "line " + n + " is not a log event (" + ex.getMessage() + "): " + abbreviate(l);
                    return;
                }
                try {
                    sink.accept(e);
                    received.incrementAndGet();
                } catch (RuntimeException ex) {
                    long failures = sinkFailures.incrementAndGet();
                    if (failures % 1000 == 1) { // a broken sink must not drown this JVM's own log
                        LOG.warn("log server: sink {} threw on an event from {} ({} failures so far); the event is dropped",
                                sink, peer, failures, ex);
                    }
                }
            }
        } catch (LineTooLongException e) {
            closing = "sent a line longer than " + e.limit + " bytes";
        } catch (IOException e) {
            if (!closed) {
                closing = "connection failed: " + e;
            }
        } finally {
            if (closing != null && !closed) {
                LOG.warn("log server: closed the connection from {}: {}", peer, closing);
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** For a connection over a limit, on the accepting thread: a short write and no more. */
    private static void refuseNow(Socket s, String reason) {
        try {
            s.getOutputStream().write(("REFUSED " + reason + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the peer is gone: nobody to tell
        }
    }

    private static void refuse(Socket s, String reason) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(("REFUSED " + reason + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException ignored) {
            // the peer is gone: nobody to tell
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private static final class LineTooLongException extends IOException {
        private static final long serialVersionUID = 1L;
        final int limit;

        LineTooLongException(int limit) {
            super("line longer than " + limit + " bytes");
            this.limit = limit;
        }
    }

    /** A line without its terminator (a trailing CR dropped), or null at EOF before any byte. */
    static String readLine(InputStream in, ByteArrayOutputStream line, int max) throws IOException {
        line.reset();
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (line.size() == 0) {
                    return null;
                }
                break; // a last line without a terminator still counts
            }
            if (c == '\n') {
                break;
            }
            if (line.size() >= max) {
                throw new LineTooLongException(max);
            }
            line.write(c);
        }
        int n = line.size();
        byte[] b = line.toByteArray();
        if (n > 0 && b[n - 1] == '\r') {
            n--;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** Builds a {@link LogServer}. Not thread-safe; {@link #start()} takes a snapshot. */
    public static final class Builder {
        private InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private Token token;
        private LogSink sink;
        private int maxLineBytes = 256 * 1024;
        private Duration authTimeout = Duration.ofSeconds(10);
        private int maxConnections = 256;

        private Builder() {
        }

        /** Where to listen (default {@code 127.0.0.1}, a free port); port 0 picks a free one. */
        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The shared token clients must present. */
        public Builder token(Token token) {
            this.token = Objects.requireNonNull(token, "token");
            return this;
        }

        /**
         * Reads the token from a file (surrounding whitespace, such as a final newline, is ignored).
         *
         * @throws IllegalArgumentException if the file cannot be read or its token is not valid
         */
        public Builder tokenFile(Path file) {
            return token(Token.fromFile(file));
        }

        /**
         * Reads the token from an environment variable.
         *
         * @throws IllegalArgumentException if the variable is not set or its token is not valid
         */
        public Builder tokenFromEnv(String variable) {
            return token(Token.fromEnv(variable));
        }

        /** Where received events go (e.g. a {@link JsonLinesSink}, or {@link LogSink#slf4j()}); thread-safe. */
        public Builder sink(LogSink sink) {
            this.sink = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /** The longest line accepted; a longer one closes its connection. */
        public Builder maxLineBytes(int bytes) {
            if (bytes < 256) {
                throw new IllegalArgumentException("maxLineBytes must be at least 256: " + bytes);
            }
            this.maxLineBytes = bytes;
            return this;
        }

        /** How long a new connection may take to authenticate. */
        public Builder authTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("authTimeout must be positive: " + timeout);
            }
            this.authTimeout = timeout;
            return this;
        }

        /** How many clients may be connected at once; more are refused. */
        public Builder maxConnections(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1: " + n);
            }
            this.maxConnections = n;
            return this;
        }

        /** Binds and starts accepting. */
        public LogServer start() throws IOException {
            if (token == null) {
                throw new IllegalStateException("the log server needs a token (token, tokenFile or tokenFromEnv)");
            }
            if (sink == null) {
                throw new IllegalStateException("the log server needs a sink");
            }
            ServerSocket ss = new ServerSocket();
            try {
                ss.bind(bind, 50);
            } catch (IOException e) {
                ss.close();
                throw new IOException("log server cannot listen on " + bind + ": " + e.getMessage(), e);
            }
            LogServer server = new LogServer(this, ss);
            server.acceptor.start();
            return server;
        }
    }
}
