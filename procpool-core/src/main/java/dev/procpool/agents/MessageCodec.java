package dev.procpool.agents;

import dev.procpool.JdkCodec;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How messages are encoded: {@link JdkCodec}, except for serializable records, which are written
 * component by component (class name, then each component) and rebuilt through their canonical
 * constructor, as Java serialization itself does for records. A new {@code ObjectOutputStream}
 * per message, with its class descriptors, costs several microseconds; records are the typical
 * message, so they get the short path. A record whose components cannot be reached by reflection
 * (a module that does not open its package) goes the Java serialization way.
 *
 * <p>Layout of a record: tag {@link #RECORD}, class name (UTF-8, length first), then per
 * component: an {@code int}, {@code long}, {@code double} or {@code boolean} as raw bytes; any
 * other value as its length and its own encoding.
 */
final class MessageCodec {
    static final int RECORD = 100;

    private static final JdkCodec JDK = new JdkCodec();
    private static final ConcurrentHashMap<Class<?>, Shape> SHAPES = new ConcurrentHashMap<>();
    private static final Shape NOT_A_RECORD = new Shape(null, null, null, null);

    private MessageCodec() {
    }

    /** A record class's components and canonical constructor, or NOT_A_RECORD. */
    private static final class Shape {
        final byte[] name;
        final Method[] accessors;
        final Class<?>[] types;
        final Constructor<?> constructor;

        Shape(byte[] name, Method[] accessors, Class<?>[] types, Constructor<?> constructor) {
            this.name = name;
            this.accessors = accessors;
            this.types = types;
            this.constructor = constructor;
        }
    }

    private static Shape shape(Class<?> c) {
        Shape s = SHAPES.get(c);
        if (s == null) {
            s = NOT_A_RECORD;
            if (c.isRecord() && Serializable.class.isAssignableFrom(c)) {
                try {
                    RecordComponent[] rc = c.getRecordComponents();
                    Method[] acc = new Method[rc.length];
                    Class<?>[] types = new Class<?>[rc.length];
                    for (int i = 0; i < rc.length; i++) {
                        acc[i] = rc[i].getAccessor();
                        acc[i].setAccessible(true);
                        types[i] = rc[i].getType();
                    }
                    Constructor<?> k = c.getDeclaredConstructor(types);
                    k.setAccessible(true);
                    s = new Shape(c.getName().getBytes(StandardCharsets.UTF_8), acc, types, k);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    s = NOT_A_RECORD; // not reachable: Java serialization handles it
                }
            }
            SHAPES.put(c, s);
        }
        return s;
    }

    static void encode(Object value, Bytes.Out out) throws IOException {
        Shape s = value == null ? NOT_A_RECORD : shape(value.getClass());
        if (s == NOT_A_RECORD) {
            JDK.encode(value, out);
            return;
        }
        out.write(RECORD);
        out.writeInt(s.name.length);
        out.write(s.name, 0, s.name.length);
        for (int i = 0; i < s.accessors.length; i++) {
            Object v;
            try {
                v = s.accessors[i].invoke(value);
            } catch (ReflectiveOperationException e) {
                throw new IOException("cannot read component " + i + " of " + value.getClass().getName() + ": " + e, e);
            }
            Class<?> t = s.types[i];
            if (t == int.class) {
                out.writeInt((Integer) v);
            } else if (t == long.class) {
                writeLong(out, (Long) v);
            } else if (t == double.class) {
                writeLong(out, Double.doubleToRawLongBits((Double) v));
            } else if (t == boolean.class) {
                out.write((Boolean) v ? 1 : 0);
            } else {
                int at = out.size();
                out.writeInt(0); // the length, filled in below
                encode(v, out);
                out.putInt(at, out.size() - at - 4);
            }
        }
    }

    private static void writeLong(Bytes.Out out, long v) {
        out.writeInt((int) (v >>> 32));
        out.writeInt((int) v);
    }

    static Object decode(byte[] b, int off, int len, ClassLoader loader) throws IOException, ClassNotFoundException {
        if (len > 0 && (b[off] & 0xff) == RECORD) {
            return new Reader(b, off + 1, off + len, loader).record();
        }
        return JDK.decode(new Bytes.In(b, off, len), loader);
    }

    private static final class Reader {
        final byte[] b;
        int pos;
        final int end;
        final ClassLoader loader;

        Reader(byte[] b, int pos, int end, ClassLoader loader) {
            this.b = b;
            this.pos = pos;
            this.end = end;
            this.loader = loader;
        }

        int readInt() throws IOException {
            if (pos + 4 > end) {
                throw new IOException("truncated record message");
            }
            int v = ((b[pos] & 0xff) << 24) | ((b[pos + 1] & 0xff) << 16) | ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
            pos += 4;
            return v;
        }

        long readLong() throws IOException {
            return ((long) readInt() << 32) | (readInt() & 0xffffffffL);
        }

        Object record() throws IOException, ClassNotFoundException {
            int n = readInt();
            if (n < 0 || pos + n > end) {
                throw new IOException("malformed record message");
            }
            String name = new String(b, pos, n, StandardCharsets.UTF_8);
            pos += n;
            Class<?> c = Class.forName(name, false, loader);
            Shape s = shape(c);
            if (s == NOT_A_RECORD) {
                throw new NotSerializableException(name + " is not a serializable record here");
            }
            Object[] args = new Object[s.types.length];
            for (int i = 0; i < args.length; i++) {
                Class<?> t = s.types[i];
                if (t == int.class) {
                    args[i] = readInt();
                } else if (t == long.class) {
                    args[i] = readLong();
                } else if (t == double.class) {
                    args[i] = Double.longBitsToDouble(readLong());
                } else if (t == boolean.class) {
                    if (pos >= end) {
                        throw new IOException("truncated record message");
                    }
                    args[i] = b[pos++] != 0;
                } else {
                    int len = readInt();
                    if (len < 0 || pos + len > end) {
                        throw new IOException("malformed record message");
                    }
                    args[i] = decode(b, pos, len, loader);
                    pos += len;
                }
            }
            try {
                return s.constructor.newInstance(args);
            } catch (ReflectiveOperationException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new IOException("cannot rebuild " + name + ": " + cause, cause);
            }
        }
    }
}
