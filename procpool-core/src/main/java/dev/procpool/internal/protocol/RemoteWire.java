package dev.procpool.internal.protocol;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The pieces of the controller <-> worker-server link that are not plain worker frames: the
 * authentication (HMAC-SHA256 challenge-response with the shared token, both ways, so the token
 * itself never travels) and frame reading before authentication, which accepts only small frames
 * so that a stranger cannot make the server allocate or parse much. See docs/protocol.md, "Remote".
 */
public final class RemoteWire {
    /** "PPR1": the first bytes of a server's challenge. */
    public static final int MAGIC = 0x50505231;
    public static final int NONCE = 32;
    /** The largest frame accepted before a connection has authenticated. */
    public static final int MAX_UNAUTHENTICATED = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private RemoteWire() {
    }

    public static byte[] nonce() {
        byte[] n = new byte[NONCE];
        RANDOM.nextBytes(n);
        return n;
    }

    /**
     * The proof that a side knows the token: an HMAC of the other side's nonce, with a label per
     * direction so that one side's proof can never be replayed as the other's.
     */
    public static byte[] proof(byte[] token, String direction, byte[] nonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(token, "HmacSHA256"));
            mac.update(("procpool-remote-1 " + direction + "\0").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(nonce);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /** Compares proofs in constant time. */
    public static boolean same(byte[] a, byte[] b) {
        return Handshake.sameSecret(a, b);
    }

    /** One frame as read off a stream. */
    public record Raw(byte type, long id, byte[] payload) {
        public DataInputStream data() {
            return new DataInputStream(new ByteArrayInputStream(payload));
        }
    }

    /**
     * Reads exactly one frame of at most {@code max} bytes, byte for byte (no read-ahead, so the
     * stream can be handed on afterwards).
     *
     * @throws ProtocolException naming what was wrong: a bad or oversized length
     */
    public static Raw read(InputStream in, int max) throws IOException {
        byte[] len = in.readNBytes(4);
        if (len.length == 0) {
            throw new EOFException("connection closed");
        }
        if (len.length < 4) {
            throw new ProtocolException("connection closed inside a frame header");
        }
        int length = ByteBuffer.wrap(len).getInt();
        if (length < 9) {
            throw new ProtocolException("malformed frame (length " + length + ", first bytes " + hex(len) + ")");
        }
        if (length - 9 > max) {
            throw new ProtocolException("oversized frame (" + length + " bytes, at most " + (max + 9)
                    + " accepted here; first bytes " + hex(len) + ")");
        }
        byte[] rest = in.readNBytes(9);
        if (rest.length < 9) {
            throw new ProtocolException("connection closed inside a frame header");
        }
        ByteBuffer h = ByteBuffer.wrap(rest);
        byte type = h.get();
        long id = h.getLong();
        byte[] payload = in.readNBytes(length - 9);
        if (payload.length < length - 9) {
            throw new ProtocolException("connection closed inside a frame");
        }
        return new Raw(type, id, payload);
    }

    public static void write(OutputStream out, byte type, long id, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Frames.HEADER + payload.length);
        b.putInt(9 + payload.length).put(type).putLong(id).put(payload);
        out.write(b.array());
        out.flush();
    }


    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 13); i++) {
            sb.append(String.format("%02x", b[i]));
        }
        return sb.toString();
    }
}
