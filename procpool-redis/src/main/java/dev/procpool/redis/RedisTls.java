package dev.procpool.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS trust for a {@code rediss://} URL from a PEM file of CA certificates, the form Redis's own
 * {@code tls-ca-cert-file} takes, so no Java key store has to be made.
 *
 * <pre>{@code
 * RedisPoolOptions.builder()
 *     .url("rediss://redis.example.com:6380")
 *     .sslContext(RedisTls.trusting(Path.of("/etc/redis/ca.crt")))
 *     .build();
 * }</pre>
 */
public final class RedisTls {
    private RedisTls() {
    }

    /**
     * An SSL context that trusts exactly the certificates in {@code caPem}.
     *
     * @throws IOException if the file cannot be read or holds no certificate
     */
    public static SSLContext trusting(Path caPem) throws IOException {
        try (InputStream in = Files.newInputStream(caPem)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw new IOException("no certificate in " + caPem);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the certificates in " + caPem + ": " + e.getMessage(), e);
        }
    }
}
