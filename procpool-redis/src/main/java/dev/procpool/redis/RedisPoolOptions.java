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
 *   <li>{@code controller}: {@code "default"}: the name of this controller's results stream.
 *       Controllers sharing a namespace at the same time need different names, each then collects
 *       only the results of its own tasks; a restarted controller that keeps its name collects
 *       what its previous run left</li>
 *   <li>{@code allowedClasses}: {@code java.base/*;dev.procpool.**}: the classes results and
 *       errors read from Redis may be made of (whoever can write to Redis can write a result);
 *       add your result classes' packages with {@link Builder#allowClasses}</li>
 * </ul>
 *
 * <pre>{@code
 * RedisPoolOptions options = RedisPoolOptions.builder()
 *     .url("rediss://procpool:secret@redis.example.com:6380")
 *     .namespace("thumbnails")
 *     .maxDeliveries(5)
 *     .allowClasses("com.example.thumbs.*")
 *     .build();
 * }</pre>
 */
public final class RedisPoolOptions {
    private final String url;
    private final SSLContext sslContext;
    private final String namespace;
    private final int maxDeliveries;
    private final Duration resultTtl;
    private final String controller;
    private final String allowedClasses;

    private RedisPoolOptions(Builder b) {
        this.controller = b.controller;
        this.allowedClasses = b.allowedClasses;
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

    /** The name of this controller's results stream. */
    public String controller() {
        return controller;
    }

    /** The filter pattern of the classes results may be made of (without the final {@code !*}). */
    public String allowedClasses() {
        return allowedClasses;
    }

    @Override
    public String toString() {
        return "RedisPoolOptions[url=" + dev.procpool.redis.internal.RedisLink.redact(url) + ", namespace=" + namespace
                + ", maxDeliveries=" + maxDeliveries + ", resultTtl=" + resultTtl + ", controller=" + controller
                + ", allowedClasses=" + allowedClasses + "]";
    }

    /** Builds {@link RedisPoolOptions}; not thread-safe. */
    public static final class Builder {
        private String url;
        private SSLContext sslContext;
        private String namespace = "procpool";
        private int maxDeliveries = 3;
        private Duration resultTtl = Duration.ofDays(1);
        private String controller = dev.procpool.redis.internal.RedisLink.DEFAULT_CONTROLLER;
        private String allowedClasses = "java.base/*;dev.procpool.**";

        private Builder() {
        }

        /**
         * This controller's name (letters, digits, {@code -_.}): its tasks' results go to a stream of
         * that name, so that controllers sharing a namespace each collect only their own. One
         * controller per name at a time.
         */
        public Builder controller(String name) {
            this.controller = dev.procpool.redis.internal.RedisLink.checkControllerName(name);
            return this;
        }

        /**
         * Adds classes results may be made of, in {@link java.io.ObjectInputFilter.Config#createFilter}
         * syntax ({@code com.example.**}, {@code com.example.Result}); a result of another class
         * fails its task with a message naming the class.
         */
        public Builder allowClasses(String pattern) {
            if (pattern == null || pattern.isBlank() || pattern.contains("!")) {
                throw new IllegalArgumentException("allowClasses takes patterns to allow, not to reject: " + pattern);
            }
            java.io.ObjectInputFilter.Config.createFilter(pattern); // fails on bad syntax, here rather than later
            this.allowedClasses = pattern + ";" + allowedClasses;
            return this;
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
