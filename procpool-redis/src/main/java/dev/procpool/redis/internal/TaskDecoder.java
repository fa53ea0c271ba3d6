package dev.procpool.redis.internal;

import dev.procpool.JdkCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;

/**
 * Decodes what a node reads from Redis through an {@link ObjectInputFilter} allow-list: the bytes
 * come from whoever can write to the stream, so only classes the operator named may be built.
 *
 * <p>How: JDK 17's filter factory (JEP 415) is JVM-wide and can be set once, so this installs one
 * factory that adds the filter of the decoding thread (a thread local) to every
 * {@code ObjectInputStream} that thread opens. {@link JdkCodec} writes serializable lambdas in a
 * compact form that does not go through an {@code ObjectInputStream}; their values do (and are
 * filtered), and the lambda itself is checked by its capturing class once decoded.
 */
public final class TaskDecoder {
    private static final ThreadLocal<ObjectInputFilter> CURRENT = new ThreadLocal<>();
    /** The class the filter last rejected on this thread, for the error message (the JDK's names none). */
    private static final ThreadLocal<String> REJECTED = new ThreadLocal<>();
    private static boolean installed;

    private final ObjectInputFilter filter;
    private final String pattern;
    private final JdkCodec codec = new JdkCodec();

    /**
     * @param allowPattern classes to allow, in {@link ObjectInputFilter.Config#createFilter} syntax;
     *     everything else is rejected
     */
    public TaskDecoder(String allowPattern) {
        this.pattern = allowPattern + ";!*";
        ObjectInputFilter patterns = ObjectInputFilter.Config.createFilter(pattern);
        this.filter = info -> {
            ObjectInputFilter.Status status = patterns.checkInput(info);
            if (status == ObjectInputFilter.Status.REJECTED && info.serialClass() != null) {
                REJECTED.set(info.serialClass().getName());
            }
            return status;
        };
        install();
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        try {
            ObjectInputFilter.Config.setSerialFilterFactory((current, requested) -> {
                ObjectInputFilter mine = CURRENT.get();
                ObjectInputFilter rest = requested != null ? requested : current;
                if (mine == null) {
                    return rest;
                }
                return rest == null ? mine : ObjectInputFilter.merge(mine, rest);
            });
        } catch (IllegalStateException e) {
            throw new IllegalStateException("cannot install the deserialization filter of the Redis node: "
                    + "this JVM already has a serial filter factory (" + e.getMessage() + ")", e);
        }
        installed = true;
    }

    /** Decodes one value, rejecting any class outside the allow-list. */
    public Object decode(byte[] bytes) throws IOException, ClassNotFoundException {
        CURRENT.set(filter);
        Object value;
        try {
            value = codec.decode(new ByteArrayInputStream(bytes), TaskDecoder.class.getClassLoader());
        } catch (InvalidClassException e) {
            String rejected = REJECTED.get();
            if (rejected == null) {
                throw e;
            }
            InvalidClassException named = new InvalidClassException(rejected,
                    "not allowed by the node's class filter " + pattern);
            named.initCause(e);
            throw named;
        } finally {
            CURRENT.remove();
            REJECTED.remove();
        }
        if (value != null) {
            Class<?> origin = origin(value.getClass());
            if (filter.checkInput(new Info(origin)) != ObjectInputFilter.Status.ALLOWED) {
                throw new InvalidClassException(origin.getName(), "not allowed by the node's class filter " + pattern);
            }
        }
        return value;
    }

    /** For a lambda, the class that wrote it; for anything else, its class. */
    private static Class<?> origin(Class<?> type) {
        String name = type.getName();
        int lambda = name.indexOf("$$Lambda");
        if (lambda > 0) {
            try {
                return Class.forName(name.substring(0, lambda), false, type.getClassLoader());
            } catch (ClassNotFoundException e) {
                return type;
            }
        }
        return type;
    }

    private record Info(Class<?> serialClass) implements ObjectInputFilter.FilterInfo {
        @Override
        public long arrayLength() {
            return -1;
        }

        @Override
        public long depth() {
            return 1;
        }

        @Override
        public long references() {
            return 0;
        }

        @Override
        public long streamBytes() {
            return 0;
        }
    }
}
