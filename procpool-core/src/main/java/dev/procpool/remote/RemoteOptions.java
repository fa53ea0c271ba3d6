package dev.procpool.remote;

import dev.procpool.Token;
import java.io.ObjectInputFilter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Where a {@link dev.procpool.WorkerType#REMOTE} worker runs and how it gets there: the address of
 * a {@code procpool worker-server}, the shared token that proves the controller may use it, TLS,
 * and the classes allowed to come back. Immutable; built once and shared freely.
 *
 * <p>Defaults:
 * <ul>
 *   <li>token: the environment variable {@code PROCPOOL_TOKEN}, read at {@link Builder#build()}
 *       (never a command-line argument); at least 16 characters</li>
 *   <li>TLS: off (plain TCP; the token is never sent, only an HMAC of a fresh nonce, but values
 *       travel in clear text: turn TLS on for anything but a trusted network)</li>
 *   <li>allowed classes: {@code java.base/*} and {@code dev.procpool.**}; every value from the
 *       remote side (results, exceptions, and tasks on the worker's side) is deserialized through
 *       this allow-list as an {@link ObjectInputFilter}. Add your own packages with
 *       {@link Builder#allowClasses}: the classes of your tasks, arguments and results, and the
 *       classes that define your lambdas; an exception whose class is not allowed still arrives as a
 *       {@link dev.procpool.RemoteThrowable} with its class name, message and stack trace</li>
 *   <li>remote class loading: on; classes the server lacks are fetched from the controller's
 *       class loader when the worker first needs them</li>
 * </ul>
 *
 * <pre>{@code
 * RemoteOptions remote = RemoteOptions.builder("gpu-box.example.com", 7070)
 *     .tokenFile(Path.of("/etc/procpool/token"))
 *     .tls(Path.of("truststore.p12"), "changeit".toCharArray())
 *     .allowClasses("com.example.model.**")
 *     .build();
 * Worker<String> w = Workers.start(WorkerType.REMOTE, () -> "hello from " + hostName(),
 *     WorkerOptions.builder().remote(remote).build());
 * }</pre>
 */
public final class RemoteOptions {
    /** Always allowed: the JDK's own classes and procpool's. */
    static final String BASE_ALLOWED = "java.base/*;dev.procpool.**";

    private final String host;
    private final int port;
    private final Token token;
    private final SSLContext sslContext;
    private final List<String> allowed;
    private final boolean remoteClassLoading;

    private RemoteOptions(Builder b, Token token) {
        this.host = b.host;
        this.port = b.port;
        this.token = token;
        this.sslContext = b.sslContext;
        this.allowed = List.copyOf(b.allowed);
        this.remoteClassLoading = b.remoteClassLoading;
    }

    /** A builder for a server at {@code host:port}. */
    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    /** A builder for a server at {@code address}. */
    public static Builder builder(InetSocketAddress address) {
        return new Builder(address.getHostString(), address.getPort());
    }

    /** The server's host name or address. */
    public String host() {
        return host;
    }

    /** The server's port. */
    public int port() {
        return port;
    }

    /** The TLS context, if TLS is on. */
    public Optional<SSLContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    /** The allow-list as one {@link ObjectInputFilter} pattern, ending in {@code !*}. */
    public String filterPattern() {
        StringBuilder sb = new StringBuilder(BASE_ALLOWED);
        for (String p : allowed) {
            sb.append(';').append(p);
        }
        return sb.append(";!*").toString();
    }

    /** Whether classes the server lacks are loaded from the controller. */
    public boolean remoteClassLoading() {
        return remoteClassLoading;
    }

    /** The shared token. */
    public Token token() {
        return token;
    }

    @Override
    public String toString() {
        return "RemoteOptions{" + host + ":" + port + ", tls=" + (sslContext != null) + ", allowed=" + filterPattern()
                + ", remoteClassLoading=" + remoteClassLoading + "}"; // never the token
    }

    /** Builds {@link RemoteOptions}. Not thread-safe; {@link #build()} takes a snapshot. */
    public static final class Builder {
        private final String host;
        private final int port;
        private final Tokens.Source tokens = new Tokens.Source();
        private SSLContext sslContext;
        private final List<String> allowed = new ArrayList<>();
        private boolean remoteClassLoading = true;

        private Builder(String host, int port) {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("server host must not be blank");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("server port must be 1..65535: " + port);
            }
            this.host = host;
            this.port = port;
        }

        /** Reads the token from this file (trailing white space ignored) at {@link #build()}. */
        public Builder tokenFile(Path file) {
            tokens.file(file);
            return this;
        }

        /** Reads the token from this environment variable at {@link #build()}. */
        public Builder tokenFromEnv(String variable) {
            tokens.env(variable);
            return this;
        }

        /** The token itself, for programs that hold it already (e.g. from a secret store). */
        public Builder token(Token token) {
            tokens.token(token);
            return this;
        }

        /** Turns TLS on with this context (the server's certificate must be trusted by it). */
        public Builder tls(SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "context");
            return this;
        }

        /** Turns TLS on, trusting the certificates in this key store (PKCS12 or JKS). */
        public Builder tls(Path trustStore, char[] password) {
            this.sslContext = Tls.client(trustStore, password);
            return this;
        }

        /**
         * Adds classes that may be deserialized from the remote side, as {@link ObjectInputFilter}
         * patterns: {@code com.example.Value}, {@code com.example.*} (a package),
         * {@code com.example.**} (with sub-packages).
         */
        public Builder allowClasses(String... patterns) {
            for (String p : patterns) {
                Objects.requireNonNull(p, "pattern");
                if (p.isBlank() || p.contains(";") || p.startsWith("!") || p.contains("=")) {
                    throw new IllegalArgumentException("not a class pattern: '" + p + "'");
                }
                allowed.add(p.strip());
            }
            return this;
        }

        /** Whether classes the server lacks are fetched from the controller (default on). */
        public Builder remoteClassLoading(boolean enabled) {
            this.remoteClassLoading = enabled;
            return this;
        }

        /**
         * Reads the token and takes an immutable snapshot.
         *
         * @throws IllegalArgumentException if the token cannot be read or is too short
         */
        public RemoteOptions build() {
            Token t = tokens.read();
            ObjectInputFilter.Config.createFilter(new RemoteOptions(this, t).filterPattern()); // fails early if malformed
            return new RemoteOptions(this, t);
        }
    }
}
