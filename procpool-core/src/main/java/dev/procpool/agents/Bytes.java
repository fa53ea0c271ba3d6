package dev.procpool.agents;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Unsynchronized byte streams for the message path: {@code ByteArrayOutputStream} and
 * {@code ByteArrayInputStream} lock on every call, several times per message.
 */
final class Bytes {
    private Bytes() {
    }

    /** A reusable, growable output buffer; one thread at a time. */
    static final class Out extends OutputStream {
        private byte[] buf;
        private int size;

        Out(int capacity) {
            buf = new byte[capacity];
        }

        @Override
        public void write(int b) {
            if (size == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            buf[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (size + len > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + len));
            }
            System.arraycopy(b, off, buf, size, len);
            size += len;
        }

        void writeInt(int v) {
            if (size + 4 > buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2 + 4);
            }
            buf[size] = (byte) (v >>> 24);
            buf[size + 1] = (byte) (v >>> 16);
            buf[size + 2] = (byte) (v >>> 8);
            buf[size + 3] = (byte) v;
            size += 4;
        }

        /** Overwrites four bytes already written. */
        void putInt(int at, int v) {
            buf[at] = (byte) (v >>> 24);
            buf[at + 1] = (byte) (v >>> 16);
            buf[at + 2] = (byte) (v >>> 8);
            buf[at + 3] = (byte) v;
        }

        void reset() {
            if (buf.length > 1 << 20) {
                buf = new byte[256]; // do not keep what one huge message took
            }
            size = 0;
        }

        byte[] array() {
            return buf;
        }

        int size() {
            return size;
        }
    }

    /** An input stream over a byte array. */
    static final class In extends InputStream {
        private final byte[] buf;
        private int pos;
        private final int end;

        In(byte[] buf, int off, int len) {
            this.buf = buf;
            this.pos = off;
            this.end = off + len;
        }

        @Override
        public int read() {
            return pos < end ? buf[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos >= end) {
                return -1;
            }
            int n = Math.min(len, end - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return end - pos;
        }
    }
}
