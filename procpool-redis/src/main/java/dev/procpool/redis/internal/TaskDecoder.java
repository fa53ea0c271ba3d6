package dev.procpool.redis.internal;

import dev.procpool.JdkCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;

/**
 * Decodes what a node reads from Redis through an {@link ObjectInputFilter} allow-list: the bytes
 * come from whoever can write to the stream, so only classes the operator named may be built.
 * {@link JdkCodec#JdkCodec(ObjectInputFilter)} applies the filter to every object stream it opens
 * and to each lambda's capturing class before that class runs any code.
 *
 * <p>Why not the JVM-wide filter factory (JEP 415): it can be set only before the JVM's first
 * {@code ObjectInputStream}, which an application embedding a node may well have opened.
 */
public final class TaskDecoder {
    /** The class the filter last rejected on this thread, for the error message (the JDK's names none). */
    private static final ThreadLocal<String> REJECTED = new ThreadLocal<>();

    private final String pattern;
    private final JdkCodec codec;

    /**
     * @param allowPattern classes to allow, in {@link ObjectInputFilter.Config#createFilter} syntax;
     *     everything else is rejected
     */
    public TaskDecoder(String allowPattern) {
        this.pattern = allowPattern + ";!*";
        ObjectInputFilter patterns = ObjectInputFilter.Config.createFilter(pattern);
        this.codec = new JdkCodec(info -> {
            ObjectInputFilter.Status status = patterns.checkInput(info);
            if (status == ObjectInputFilter.Status.REJECTED && info.serialClass() != null) {
                REJECTED.set(info.serialClass().getName());
            }
            return status;
        });
    }

    /** Decodes one value, rejecting any class outside the allow-list. */
    public Object decode(byte[] bytes) throws IOException, ClassNotFoundException {
        try {
            return codec.decode(new ByteArrayInputStream(bytes), TaskDecoder.class.getClassLoader());
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
            REJECTED.remove();
        }
    }
}
