package dev.procpool.internal.protocol;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The checks every handshake makes of what a peer presents, in one place: a worker's HELLO
 * (to a controller, or to the worker-server that started it), an agent's HELLO, a log client's
 * greeting and a remote controller's proof. Secrets are compared in constant time
 * ({@link MessageDigest#isEqual}), so the time a refusal takes says nothing about how much of a
 * guess was right. The protocol version is checked before the secret, so a worker of another
 * procpool release is told so instead of being called a stranger with a wrong secret.
 */
public final class Handshake {
    /** The longest secret a HELLO may carry; a longer one is refused unread. */
    public static final int MAX_SECRET = 256;

    private Handshake() {
    }

    /** Whether two secrets (or proofs) are equal, in time that depends on their lengths only. */
    public static boolean sameSecret(byte[] expected, byte[] given) {
        return expected != null && given != null && MessageDigest.isEqual(expected, given);
    }

    /** {@link #sameSecret(byte[], byte[])} for text secrets, compared as UTF-8. */
    public static boolean sameSecret(String expected, String given) {
        return expected != null && given != null
                && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    /** What a worker's HELLO said: its pid and the id of its task thread. */
    public record WorkerHello(long pid, long taskThreadId) {
    }

    /** A HELLO that is refused, with the sentence that says why. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;
        private final boolean versionMismatch;

        Refused(String reason, boolean versionMismatch) {
            super(reason);
            this.versionMismatch = versionMismatch;
        }

        /** Whether the peer is a procpool worker of another protocol version (and so no stranger). */
        public boolean versionMismatch() {
            return versionMismatch;
        }
    }

    /**
     * Checks a worker's HELLO frame (magic, version, pid, task thread id, secret; see
     * docs/protocol.md) against the worker id and secret it must carry.
     *
     * @throws Refused naming what was wrong; {@link Refused#versionMismatch()} tells a worker of
     *     another release from a stranger
     */
    public static WorkerHello checkWorkerHello(byte type, long id, byte[] payload, long workerId, String secret)
            throws Refused {
        if (type != Frames.HELLO || payload.length < 28) {
            throw new Refused("expected HELLO, got frame type " + type + " with " + payload.length + " bytes", false);
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
            int magic = in.readInt();
            int version = in.readInt();
            long pid = in.readLong();
            long tid = in.readLong();
            if (magic != Frames.MAGIC) {
                throw new Refused("not a procpool worker (bad magic)", false);
            }
            if (version != Frames.VERSION) {
                throw new Refused("protocol version " + version + " but this side speaks " + Frames.VERSION
                        + "; the worker runs a different procpool version", true);
            }
            int n = in.readInt();
            byte[] theirs = n >= 0 && n <= MAX_SECRET && n <= in.available() ? in.readNBytes(n) : new byte[0];
            // the id is compared after the secret, so neither check's outcome shortcuts the other's timing
            boolean ok = sameSecret(secret.getBytes(StandardCharsets.UTF_8), theirs);
            if (!ok || id != workerId) {
                throw new Refused("wrong worker secret", false);
            }
            return new WorkerHello(pid, tid);
        } catch (Refused e) {
            throw e;
        } catch (IOException e) {
            throw new Refused("malformed HELLO (" + e.getMessage() + ")", false);
        }
    }
}
