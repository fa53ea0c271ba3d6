package dev.procpool.internal;

import dev.procpool.internal.protocol.Buf;
import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.protocol.ProtocolException;
import dev.procpool.internal.protocol.RemoteWire;
import dev.procpool.remote.RemoteOptions;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * An authenticated connection from this controller to a worker server (for a remote worker, a
 * remote context or a command job): TCP (TLS if configured, the
 * certificate checked against the host name), then the challenge, the controller's proof and the
 * server's proof, as docs/protocol.md specifies for every connection to the server.
 *
 * @param socket the connection, authenticated both ways
 * @param host the server's host name, as it told
 */
public record RemoteLink(Socket socket, String host) implements AutoCloseable {

    /**
     * Connects and authenticates.
     *
     * @throws IOException if the server cannot be reached, refuses, or cannot prove it has the token
     */
    public static RemoteLink connect(RemoteOptions remote, Duration timeout) throws IOException {
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        return connect(remote.host(), remote.port(), remote.sslContext().orElse(null), remote.token().bytes(), millis);
    }

    /**
     * Connects and authenticates, from the parts of the server's address; the one handshake of
     * every client of a worker server (remote workers, remote contexts, command jobs). The socket's
     * read timeout stays {@code millis}: the caller sets its own for what follows.
     *
     * @param tls the TLS context, or null for plain TCP
     * @throws IOException if the server cannot be reached, refuses, or cannot prove it has the token
     */
    public static RemoteLink connect(String host, int port, SSLContext tls, byte[] token, int millis)
            throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), millis);
            s.setTcpNoDelay(true);
            if (tls != null) {
                SSLSocket t = (SSLSocket) tls.getSocketFactory().createSocket(s, host, port, true);
                SSLParameters params = t.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
                t.setSSLParameters(params);
                s = t;
                t.setSoTimeout(millis);
                t.startHandshake();
            }
            s.setSoTimeout(millis);
            String serverHost = authenticate(s.getInputStream(), s.getOutputStream(), token);
            return new RemoteLink(s, serverHost);
        } catch (IOException | RuntimeException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing after a failure
            }
            throw e;
        }
    }

    private static String authenticate(InputStream in, OutputStream out, byte[] token) throws IOException {
        RemoteWire.Raw challenge = RemoteWire.read(in, RemoteWire.MAX_UNAUTHENTICATED);
        refused(challenge);
        DataInputStream c = challenge.data();
        if (challenge.type() != Frames.R_CHALLENGE || c.readInt() != RemoteWire.MAGIC) {
            throw new ProtocolException("not a procpool worker-server (unexpected first frame)");
        }
        int version = c.readInt();
        if (version != Frames.VERSION) {
            throw new ProtocolException("the server speaks protocol version " + version + ", this controller "
                    + Frames.VERSION + "; run the same procpool version on both sides");
        }
        byte[] serverNonce = c.readNBytes(RemoteWire.NONCE);
        byte[] ours = RemoteWire.nonce();
        Buf auth = new Buf(64);
        auth.write(ours, 0, ours.length);
        byte[] proof = RemoteWire.proof(token, "controller", serverNonce);
        auth.write(proof, 0, proof.length);
        RemoteWire.write(out, Frames.R_AUTH, 0, auth.toByteArray());
        RemoteWire.Raw accept = RemoteWire.read(in, RemoteWire.MAX_UNAUTHENTICATED);
        refused(accept);
        if (accept.type() != Frames.R_ACCEPT) {
            throw new ProtocolException("expected the server's ACCEPT, got frame type " + accept.type());
        }
        DataInputStream a = accept.data();
        if (!RemoteWire.same(a.readNBytes(32), RemoteWire.proof(token, "server", ours))) {
            throw new IOException("the server could not prove it knows the token; not using it");
        }
        return Buf.readString(a);
    }

    /** Throws with the server's reason if {@code f} is a REFUSE. */
    public static void refused(RemoteWire.Raw f) throws IOException {
        if (f.type() == Frames.REFUSE) {
            throw new IOException("refused: " + new String(f.payload(), StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
