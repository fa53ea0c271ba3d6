package dev.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Redis AUTH with an ACL user and password, and TLS with a certificate made for the test. */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class RedisSecurityTest {
    @TempDir
    Path dir;

    @Test
    void anAclUserWithItsPasswordRunsTasksAndAWrongPasswordIsRefusedWithoutShowingIt() throws Exception {
        try (RedisServer redis = RedisServer.start(dir,
                List.of("--user", "default", "off", "--user", "alice", "on", ">s3cret", "~*", "&*", "+@all"), false)) {
            String good = "redis://alice:s3cret@127.0.0.1:" + redis.port;
            String bad = "redis://alice:guessed@127.0.0.1:" + redis.port;

            assertThatThrownBy(() -> RedisPool.connect(RedisPoolOptions.builder().url(bad).build()))
                    .isInstanceOf(RedisConnectException.class)
                    .hasMessageContaining("WRONGPASS")
                    .hasMessageContaining("alice:***@")
                    .hasMessageNotContaining("guessed");
            assertThatThrownBy(() -> RedisPool.connect(RedisPoolOptions.builder().url(redis.url()).build()))
                    .isInstanceOf(RedisConnectException.class)
                    .hasMessageContaining("NOAUTH");
            NodeProcess refused = NodeProcess.launch(dir, bad, "refused", "--workers", "1");
            assertThat(refused.process.waitFor(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(refused.process.exitValue()).isEqualTo(1);
            assertThat(refused.stderr()).contains("WRONGPASS").doesNotContain("guessed");

            try (NodeProcess node = NodeProcess.start(dir, good, "a", "--workers", "1");
                    RedisPool pool = RedisPool.connect(RedisPoolOptions.builder().url(good).build())) {
                assertThat(pool.submit(RTasks.square(7)).future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS))
                        .isEqualTo(49);
            }
        }
    }

    @Test
    void tlsWithTheServersCertificateTrustedRunsTasksAndAnUntrustedServerIsRefused() throws Exception {
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")
                .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertThat(openssl.waitFor()).isZero();

        try (RedisServer redis = RedisServer.start(dir, List.of("--tls-cert-file", cert.toString(),
                "--tls-key-file", key.toString(), "--tls-ca-cert-file", cert.toString(), "--tls-auth-clients", "no"),
                true)) {
            String url = "rediss://127.0.0.1:" + redis.port;
            assertThatThrownBy(() -> RedisPool.connect(RedisPoolOptions.builder().url(url).build()))
                    .isInstanceOf(RedisConnectException.class)
                    .hasMessageContaining("rediss://127.0.0.1:" + redis.port);
            assertThatThrownBy(() -> RedisPool.connect(RedisPoolOptions.builder()
                    .url("redis://127.0.0.1:" + redis.port).build()))
                    .isInstanceOf(RedisConnectException.class);

            RedisPoolOptions options = RedisPoolOptions.builder().url(url).sslContext(RedisTls.trusting(cert)).build();
            try (NodeProcess node = NodeProcess.start(dir, url, "a", "--workers", "1", "--tls-ca", cert.toString());
                    RedisPool pool = RedisPool.connect(options)) {
                assertThat(pool.submit(RTasks.square(8)).future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS))
                        .isEqualTo(64);
            }
        }
    }

    @Test
    void badOptionsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> RedisPoolOptions.builder().url("http://localhost").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis://");
        assertThatThrownBy(() -> RedisPoolOptions.builder().build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("URL is required");
        assertThatThrownBy(() -> RedisPoolOptions.builder().namespace("a b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace");
        assertThatThrownBy(() -> RedisNodeOptions.builder().url("redis://h").claimIdle(java.time.Duration.ofSeconds(1))
                .heartbeat(java.time.Duration.ofSeconds(2)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shorter than claimIdle");
        assertThatThrownBy(() -> RedisNodeOptions.builder().allowClasses("!*"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(RedisPoolOptions.builder().url("redis://u:pw@h:1/2").build().toString())
                .contains("u:***@h").doesNotContain("pw");
    }
}
