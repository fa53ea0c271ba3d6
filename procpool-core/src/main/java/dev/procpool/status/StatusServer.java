package dev.procpool.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.procpool.Pool;
import dev.procpool.internal.status.StatusJson;
import dev.procpool.internal.status.StatusText;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live status page for one or more pools, served by the JDK's built-in HTTP server: workers
 * with their state, current task and its age, memory (with a sparkline of the last minutes),
 * the latest failures with their worker-side stack traces, and throughput. The page is one
 * self-contained HTML file (no build step, no external assets: it works offline) that polls
 * {@code /status.json} every second; {@code /status.txt} is the same as a plain-text table, which
 * {@code procpool status URL} shows in a terminal.
 *
 * <pre>{@code
 * try (Pool pool = Pool.create(options);
 *      StatusServer status = StatusServer.start(pool)) {       // 127.0.0.1, a free port
 *     System.out.println("watch it at " + status.uri());
 *     ...
 * }
 * // several pools, on a fixed port reachable from other hosts (then a token is required):
 * StatusServer.builder().bind(new InetSocketAddress(8080)).token(secret)
 *         .source(pool::status).source(jobs::status).start();
 * }</pre>
 *
 * <p>Security: by default it listens on 127.0.0.1 only, and then also refuses requests whose
 * {@code Host} header names another host (a web page elsewhere cannot read it through DNS
 * rebinding). Bound to any other address it requires a token: the one given, or a random one
 * made at start; clients send it as {@code ?token=...} (the page's {@link #uri()} carries it) or
 * as {@code Authorization: Bearer ...}. The page shows task ids, worker names, exception
 * messages and stack traces; nothing can be changed through it.
 *
 * <p>Threads: one daemon thread serves requests and one samples memory every second for the
 * sparklines; the sources are called on them and must be thread-safe ({@code status()} methods are).
 */
public final class StatusServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);
    /** Memory samples kept per worker for the sparkline: one a second. */
    static final int RSS_SAMPLES = 120;
    private static final String PAGE_RESOURCE = "/dev/procpool/internal/status/status.html";

    private final HttpServer server;
    private final ExecutorService handlers;
    private final ScheduledExecutorService sampler;
    private final List<Supplier<PoolStatus>> sources;
    private final byte[] token;
    private final boolean loopback;
    private final byte[] page;
    /** Worker name → its last memory samples (bytes, -1 unknown), oldest first; guarded by itself. */
    private final Map<String, long[]> rssHistory = new HashMap<>();

    private StatusServer(Builder b, HttpServer server, byte[] page) {
        this.server = server;
        this.sources = new CopyOnWriteArrayList<>(b.sources);
        this.token = b.token == null ? null : b.token.getBytes(StandardCharsets.UTF_8);
        this.loopback = b.bind.getAddress() != null && b.bind.getAddress().isLoopbackAddress();
        this.page = page;
        this.handlers = Executors.newSingleThreadExecutor(r -> daemon(r, "procpool-status-http-" + server.getAddress().getPort()));
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "procpool-status-sampler-" + server.getAddress().getPort()));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A builder: 127.0.0.1, a free port, no sources yet. */
    public static Builder builder() {
        return new Builder();
    }

    /** Serves one pool's page on 127.0.0.1 at a free port. */
    public static StatusServer start(Pool pool) throws IOException {
        return builder().source(pool::status).start();
    }

    /** Adds a pool (or any status source) to the page while it runs. */
    public void add(Supplier<PoolStatus> source) {
        sources.add(Objects.requireNonNull(source, "source"));
    }

    /** The port the server listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The address the server listens on. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** The token clients must present; empty when none is required. */
    public java.util.Optional<String> token() {
        return token == null ? java.util.Optional.empty() : java.util.Optional.of(new String(token, StandardCharsets.UTF_8));
    }

    /** The page's address, with the token when one is required: what to open in a browser. */
    public URI uri() {
        InetAddress a = server.getAddress().getAddress();
        String host = a.isAnyLocalAddress() ? "127.0.0.1" : a.getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port() + "/" + token().map(t -> "?token=" + t).orElse(""));
    }

    /** The statuses of every source now; a source that throws is left out (and logged). */
    public List<PoolStatus> statuses() {
        List<PoolStatus> out = new ArrayList<>(sources.size());
        for (Supplier<PoolStatus> s : sources) {
            try {
                out.add(s.get());
            } catch (RuntimeException e) {
                LOG.warn("a status source of the status page threw; it is left out", e);
            }
        }
        return out;
    }

    /** Stops serving (waits up to a second for requests in progress). Idempotent. */
    @Override
    public void close() {
        server.stop(0);
        sampler.shutdownNow();
        handlers.shutdownNow();
        try {
            handlers.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "StatusServer{" + address() + ", " + sources.size() + " sources" + (token == null ? "" : ", token required") + "}";
    }

    private void sample() {
        List<PoolStatus> all = statuses();
        synchronized (rssHistory) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (PoolStatus p : all) {
                for (WorkerStatus w : p.workers()) {
                    String key = p.name() + "\u0000" + w.name();
                    seen.add(key);
                    if (w.state() == WorkerStatus.State.EXITED) {
                        continue;
                    }
                    long[] h = rssHistory.computeIfAbsent(key, k -> {
                        long[] a = new long[RSS_SAMPLES];
                        java.util.Arrays.fill(a, -1);
                        return a;
                    });
                    System.arraycopy(h, 1, h, 0, h.length - 1);
                    h[h.length - 1] = w.rssBytes().orElse(-1);
                }
            }
            rssHistory.keySet().retainAll(seen);
        }
    }

    private Map<String, long[]> historyCopy() {
        synchronized (rssHistory) {
            Map<String, long[]> copy = new HashMap<>();
            rssHistory.forEach((k, v) -> copy.put(k, v.clone()));
            return copy;
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                send(ex, 405, "text/plain", "only GET\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (!allowed(ex)) {
                send(ex, 401, "text/plain", ("a token is required: open the address the status server printed, with its ?token=\n")
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = ex.getRequestURI().getPath();
            switch (path) {
                case "/", "/index.html" -> send(ex, 200, "text/html; charset=utf-8", page);
                case "/status.json" -> send(ex, 200, "application/json",
                        StatusJson.render(statuses(), historyCopy()).getBytes(StandardCharsets.UTF_8));
                case "/status.txt" -> send(ex, 200, "text/plain; charset=utf-8",
                        StatusText.render(statuses(), width(ex)).getBytes(StandardCharsets.UTF_8));
                default -> send(ex, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("status request failed", e);
        }
    }

    private static int width(HttpExchange ex) {
        String w = query(ex).get("width");
        try {
            return w == null ? 120 : Math.max(60, Math.min(400, Integer.parseInt(w)));
        } catch (NumberFormatException e) {
            return 120;
        }
    }

    private boolean allowed(HttpExchange ex) {
        if (token == null) {
            // loopback only: refuse a Host that is not this machine's loopback (DNS rebinding)
            String host = ex.getRequestHeaders().getFirst("Host");
            if (host == null) {
                return true;
            }
            String h = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                    : host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
            return h.equals("127.0.0.1") || h.equals("localhost") || h.equals("[::1]") || h.startsWith("127.");
        }
        String given = query(ex).get("token");
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (given == null && auth != null && auth.startsWith("Bearer ")) {
            given = auth.substring(7).strip();
        }
        return given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> m = new HashMap<>();
        String q = ex.getRequestURI().getRawQuery();
        if (q != null) {
            for (String kv : q.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    m.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return m;
    }

    private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        // the page has inline script and style only; nothing else may load or frame it
        ex.getResponseHeaders().set("Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'");
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(code, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /**
     * How to serve: the address (default 127.0.0.1 and a free port), a token (required, and made
     * up when not given, for any address other than loopback), and the pools to show.
     *
     * <pre>{@code
     * StatusServer s = StatusServer.builder().port(8080).source(pool::status).start();
     * }</pre>
     */
    public static final class Builder {
        private InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private String token;
        private final List<Supplier<PoolStatus>> sources = new ArrayList<>();

        private Builder() {
        }

        /** Listens on 127.0.0.1 at this port (0: a free one). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535: " + port);
            }
            return bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }

        /** Where to listen; an address other than loopback makes a token required. */
        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The token clients must present (at least 16 printable characters without spaces). */
        public Builder token(String token) {
            Objects.requireNonNull(token, "token");
            if (token.length() < 16 || token.chars().anyMatch(c -> c <= ' ' || c >= 0x7f || c == '&' || c == '#')) {
                throw new IllegalArgumentException("a status server token must be at least 16 printable ASCII characters"
                        + " without spaces, '&' or '#' (e.g. `openssl rand -hex 16`)");
            }
            this.token = token;
            return this;
        }

        /** Reads the token from a file (surrounding whitespace ignored). */
        public Builder tokenFile(Path file) throws IOException {
            return token(Files.readString(file, StandardCharsets.UTF_8).strip());
        }

        /** Adds a pool to show: {@code pool::status}, {@code jobPool::status}, ... */
        public Builder source(Supplier<PoolStatus> source) {
            sources.add(Objects.requireNonNull(source, "source"));
            return this;
        }

        /** Binds and serves. */
        public StatusServer start() throws IOException {
            boolean loop = bind.getAddress() != null && bind.getAddress().isLoopbackAddress();
            if (!loop && token == null) {
                token = HexFormat.of().formatHex(randomBytes());
            }
            byte[] page;
            try (InputStream in = StatusServer.class.getResourceAsStream(PAGE_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("the status page " + PAGE_RESOURCE + " is missing from the procpool jar");
                }
                page = in.readAllBytes();
            }
            HttpServer http;
            try {
                http = HttpServer.create(bind, 16);
            } catch (IOException e) {
                throw new IOException("status server cannot listen on " + bind + ": " + e.getMessage(), e);
            }
            StatusServer s = new StatusServer(this, http, page);
            http.createContext("/", s::handle);
            http.setExecutor(s.handlers);
            http.start();
            s.sampler.scheduleWithFixedDelay(() -> {
                try {
                    s.sample();
                } catch (RuntimeException e) {
                    LOG.debug("status sampling failed", e);
                }
            }, 0, 1, TimeUnit.SECONDS);
            return s;
        }

        private static byte[] randomBytes() {
            byte[] b = new byte[16];
            new SecureRandom().nextBytes(b);
            return b;
        }
    }
}
