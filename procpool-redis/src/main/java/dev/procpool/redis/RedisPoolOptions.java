package dev.procpool.redis;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How a {@link RedisPool} reaches Redis and what it asks of the nodes: immutable, built once.
 *
 * <p>Defaults:
 * <ul>
 *   <li>{@code url}: required; {@code redis://[user[:password]@]host[:port][/db]}, or
 *       {@code rediss://...} for TLS</li>
 *   <li>{@code sslContext}: none (TLS trusts the JVM's default certificates)</li>
 *   <li>{@code namespace}: {@code "procpool"}; pools with different namespaces share a Redis
 *       without seeing each other's tasks. Nodes must use the same namespace.</li>
 *   <li>{@code maxDeliveries}: 3; a task whose node stopped before finishing it this many times
 *       ends with {@link DeadLetterException} instead of running again</li>
 *   <li>{@code resultTtl}: 1 day; results no controller collected are trimmed after it</li>
 * </ul>
 *
 * <pre>{@code
 * RedisPoolOptions options = RedisPoolOptions.builder()
 *     .url("rediss://procpool:secret@redis.example.com:6380")
 *     .namespace("thumbnails")
 *     .maxDeliveries(5)
 *     .build();
 * }</pre>
 */
public final class RedisPoolOptions {
    private final String url;
    private final SSLContext sslContext;
    private final String namespace;
    private final int maxDeliveries;
    private final Duration resultTtl;

    private RedisPoolOptions(Builder b) {
        this.url = b.url;
        this.sslContext = b.sslContext;
        this.namespace = b.namespace;
        this.maxDeliveries = b.maxDeliveries;
        this.resultTtl = b.resultTtl;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The Redis URL, password included. */
    public String url() {
        return url;
    }

    /** The TLS trust, if set. */
    public Optional<SSLContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    /** The namespace of the streams. */
    public String namespace() {
        return namespace;
    }

    /** How many times a task may be handed to a node before it is dead-lettered. */
    public int maxDeliveries() {
        return maxDeliveries;
    }

    /** How long an uncollected result stays in Redis. */
    public Duration resultTtl() {
        return resultTtl;
    }

    @Override
    public String toString() {
        return "RedisPoolOptions[url=" + dev.procpool.redis.internal.RedisLink.redact(url) + ", namespace=" + namespace
                + ", maxDeliveries=" + maxDeliveries + ", resultTtl=" + resultTtl + "]";
    }

    /** Builds {@link RedisPoolOptions}; not thread-safe. */
    public static final class Builder {
        private String url;
        private SSLContext sslContext;
        private String namespace = "procpool";
        private int maxDeliveries = 3;
        private Duration resultTtl = Duration.ofDays(1);

        private Builder() {
        }

        /** The Redis URL (required). */
        public Builder url(String url) {
            this.url = Objects.requireNonNull(url, "url");
            return this;
        }

        /** The certificates to trust for a {@code rediss://} URL. */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /** The namespace (letters, digits, {@code -_.}); the nodes must use the same one. */
        public Builder namespace(String namespace) {
            this.namespace = Names.checkNamespace(namespace);
            return this;
        }

        /** How many deliveries before a task is dead-lettered; at least 1. */
        public Builder maxDeliveries(int maxDeliveries) {
            if (maxDeliveries < 1) {
                throw new IllegalArgumentException("maxDeliveries must be at least 1: " + maxDeliveries);
            }
            this.maxDeliveries = maxDeliveries;
            return this;
        }

        /** How long an uncollected result stays in Redis; positive. */
        public Builder resultTtl(Duration resultTtl) {
            if (resultTtl.isNegative() || resultTtl.isZero()) {
                throw new IllegalArgumentException("resultTtl must be positive: " + resultTtl);
            }
            this.resultTtl = resultTtl;
            return this;
        }

        /**
         * @throws IllegalArgumentException if the URL is missing or malformed
         */
        public RedisPoolOptions build() {
            if (url == null) {
                throw new IllegalArgumentException("a Redis URL is required");
            }
            new dev.procpool.redis.internal.RedisLink(url, sslContext, namespace, "check"); // validates the URL
            return new RedisPoolOptions(this);
        }
    }
}
