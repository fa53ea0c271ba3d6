package dev.procpool.remote;

import dev.procpool.OutputHandler;
import dev.procpool.Token;
import dev.procpool.internal.RemoteServer;
import dev.procpool.internal.RemoteServerMain;
import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * How a {@link WorkerServer} listens and whom it serves. Immutable.
 *
 * <p>Defaults:
 * <ul>
 *   <li>listen: {@code 127.0.0.1:0} (loopback, a free port); give {@code 0.0.0.0:7070} or a
 *       host's address to serve other machines</li>
 *   <li>token: the environment variable {@code PROCPOOL_TOKEN}, read at {@link Builder#build()};
 *       at least 16 characters</li>
 *   <li>TLS: off; {@link Builder#tls(Path, char[])} turns it on with a key store</li>
 *   <li>output: workers' lines printed with their name ({@link OutputHandler#prefixed()})</li>
 *   <li>log: refused connections and worker starts go to SLF4J ({@code dev.procpool.internal.RemoteServer})</li>
 *   <li>classpath: none added; workers run on the server's own classpath, and classes it lacks
 *       are loaded from the controller (remote class loading, on by default in
 *       {@link RemoteOptions}). {@link Builder#classpath} puts your application's jars on every
 *       worker's classpath instead (the command line's {@code --classpath}, alias {@code -cp})</li>
 *   <li>maxWorkers: 8 per CPU, at least 16: worker processes running at once; a controller asking
 *       for more gets a {@link dev.procpool.WorkerStartException} that says so</li>
 * </ul>
 *
 * <p>Fixed limits guard the server against strangers: at most 128 connections may be
 * authenticating at once, 32 of them from one address, each with 10 s to finish and frames of at
 * most 4 KiB until then (see docs/security.md).
 *
 * <pre>{@code
 * WorkerServerOptions options = WorkerServerOptions.builder()
 *     .listen("0.0.0.0:7070")
 *     .tokenFile(Path.of("/etc/procpool/token"))
 *     .tls(Path.of("server.p12"), password)
 *     .classpath("/opt/app/app.jar:/opt/app/lib/*")
 *     .build();
 * }</pre>
 */
public final class WorkerServerOptions {
    private final InetSocketAddress listen;
    private final String listenText;
    private final Token token;
    private final Path keyStore;
    private final char[] keyStorePassword;
    private final SSLContext sslContext;
    private final OutputHandler output;
    private final Consumer<String> log;
    private final List<String> classpath;
    private final int maxWorkers;

    private WorkerServerOptions(Builder b, Token token) {
        this.listen = b.listen;
        this.listenText = b.listenText;
        this.token = token;
        this.keyStore = b.keyStore;
        this.keyStorePassword = b.keyStorePassword == null ? null : b.keyStorePassword.clone();
        this.sslContext = b.keyStore == null ? null : Tls.server(b.keyStore, b.keyStorePassword);
        this.output = b.output;
        this.log = b.log;
        this.classpath = List.copyOf(b.classpath);
        this.maxWorkers = b.maxWorkers;
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The address to listen on. */
    public InetSocketAddress listen() {
        return listen;
    }

    /** The listen address as given ({@code HOST:PORT}). */
    public String listenText() {
        return listenText;
    }

    /** The TLS context, if TLS is on. */
    public Optional<SSLContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    /** The key store TLS uses, if on. */
    public Optional<Path> keyStore() {
        return Optional.ofNullable(keyStore);
    }

    /** Where the workers' output lines go. */
    public OutputHandler output() {
        return output;
    }

    /** Where the server's event lines go; empty for SLF4J. */
    public Optional<Consumer<String>> log() {
        return Optional.ofNullable(log);
    }

    /** Classpath entries added to every worker's classpath, as given; empty for none. */
    public List<String> classpath() {
        return classpath;
    }

    /** Worker processes the server runs at once. */
    public int maxWorkers() {
        return maxWorkers;
    }

    /**
     * The classpath entries made absolute against this JVM's working directory, each checked to
     * exist here; for a server on this host.
     *
     * @throws IllegalArgumentException naming an entry that does not exist
     */
    List<String> localClasspath() {
        List<String> out = new ArrayList<>();
        for (String e : classpath) {
            boolean all = e.endsWith("*");
            Path p = Path.of(all ? e.substring(0, e.length() - 1) : e).toAbsolutePath().normalize();
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("classpath entry " + e + " does not exist (" + p + ")");
            }
            out.add(all ? p + File.separator + "*" : p.toString());
        }
        return out;
    }

    /** The settings of the server itself; for procpool's own use. */
    public RemoteServer.Settings settings() {
        return new RemoteServer.Settings(localClasspath(), maxWorkers, RemoteServer.Settings.defaultLimits());
    }

    /** The shared token. */
    public Token token() {
        return token;
    }

    char[] keyStorePassword() {
        return keyStorePassword == null ? null : keyStorePassword.clone();
    }

    @Override
    public String toString() {
        return "WorkerServerOptions{listen=" + listenText + ", tls=" + (keyStore != null) + ", classpath=" + classpath
                + ", maxWorkers=" + maxWorkers + "}"; // never the token
    }

    /** Builds {@link WorkerServerOptions}. Not thread-safe. */
    public static final class Builder {
        private InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 0);
        private String listenText = "127.0.0.1:0";
        private final Tokens.Source tokens = new Tokens.Source();
        private Path keyStore;
        private char[] keyStorePassword;
        private OutputHandler output = OutputHandler.prefixed();
        private Consumer<String> log;
        private final List<String> classpath = new ArrayList<>();
        private int maxWorkers = RemoteServer.Settings.defaultMaxWorkers();

        private Builder() {
        }

        /**
         * Adds classpath entries, separated by {@link File#pathSeparator} as for {@code java -cp}
         * (a directory, a jar, or {@code dir/*} for all jars of a directory), to every worker's
         * classpath, after the server's own. They are paths on the server's host: a server in this
         * JVM or a child of it checks that they exist when it starts; relative ones are resolved
         * against the server's working directory.
         */
        public Builder classpath(String entries) {
            Objects.requireNonNull(entries, "entries");
            for (String e : entries.split(java.util.regex.Pattern.quote(File.pathSeparator))) {
                if (!e.isBlank()) {
                    classpath.add(e.strip());
                }
            }
            return this;
        }

        /**
         * The most worker processes the server runs at once; a controller asking for one more is
         * refused with a message naming this limit.
         */
        public Builder maxWorkers(int maxWorkers) {
            if (maxWorkers < 1) {
                throw new IllegalArgumentException("maxWorkers must be at least 1: " + maxWorkers);
            }
            this.maxWorkers = maxWorkers;
            return this;
        }

        /**
         * Where to listen, as {@code HOST:PORT} ({@code [::1]:7070} for IPv6, port 0 for a free one).
         *
         * @throws IllegalArgumentException if it is not {@code HOST:PORT}
         */
        public Builder listen(String hostPort) {
            this.listen = RemoteServerMain.parse(Objects.requireNonNull(hostPort, "hostPort"));
            if (listen.isUnresolved()) {
                throw new IllegalArgumentException("unknown host in '" + hostPort + "'");
            }
            this.listenText = hostPort;
            return this;
        }

        /** Reads the token from this file at {@link #build()}. */
        public Builder tokenFile(Path file) {
            tokens.file(file);
            return this;
        }

        /** Reads the token from this environment variable at {@link #build()}. */
        public Builder tokenFromEnv(String variable) {
            tokens.env(variable);
            return this;
        }

        /** The token itself, for programs that hold it already (e.g. {@link Token#random()} for a server in this program). */
        public Builder token(Token token) {
            tokens.token(token);
            return this;
        }

        /** Turns TLS on with the key (and certificate) in this key store (PKCS12 or JKS). */
        public Builder tls(Path keyStore, char[] password) {
            this.keyStore = Objects.requireNonNull(keyStore, "keyStore");
            this.keyStorePassword = Objects.requireNonNull(password, "password").clone();
            return this;
        }

        /** Where the workers' stdout and stderr lines go. */
        public Builder output(OutputHandler output) {
            this.output = Objects.requireNonNull(output, "output");
            return this;
        }

        /** Where the server's event lines (refused connections, workers started) go. */
        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /**
         * Reads the token, loads the key store, and takes an immutable snapshot.
         *
         * @throws IllegalArgumentException if the token or the key store cannot be used
         */
        public WorkerServerOptions build() {
            Token t = tokens.read();
            return new WorkerServerOptions(this, t);
        }
    }
}
