package dev.procpool.redis.internal;

import dev.procpool.JdkCodec;
import dev.procpool.internal.AllowList;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InvalidClassException;

/**
 * Decodes what a node reads from Redis through an {@link java.io.ObjectInputFilter} allow-list:
 * the bytes come from whoever can write to the stream, so only classes the operator named may be
 * built. {@link JdkCodec#JdkCodec(java.io.ObjectInputFilter)} applies the filter to every object
 * stream it opens and to each lambda's capturing class before that class runs any code. A refusal
 * names the class and the option that admits it.
 *
 * <p>Why not the JVM-wide filter factory (JEP 415): it can be set only before the JVM's first
 * {@code ObjectInputStream}, which an application embedding a node may well have opened.
 */
public final class TaskDecoder {
    private final String pattern;
    private final JdkCodec codec;
    private final ClassLoader loader;

    /**
     * @param allowPattern classes to allow, in {@link java.io.ObjectInputFilter.Config#createFilter}
     *     syntax; everything else is rejected
     * @param loader where the tasks' classes are (the node's classpath)
     */
    public TaskDecoder(String allowPattern, ClassLoader loader) {
        this.pattern = allowPattern + ";!*";
        this.codec = new JdkCodec(AllowList.naming(pattern));
        this.loader = loader;
    }

    /** A decoder over this class's own class loader. */
    public TaskDecoder(String allowPattern) {
        this(allowPattern, TaskDecoder.class.getClassLoader());
    }

    /** Decodes one value, rejecting any class outside the allow-list. */
    public Object decode(byte[] bytes) throws IOException, ClassNotFoundException {
        AllowList.clear();
        try {
            return codec.decode(new ByteArrayInputStream(bytes), loader);
        } catch (InvalidClassException e) {
            String why = AllowList.explain(e, "this Redis node",
                    "procpool worker-server --redis ... --allow '%s' (RedisNodeOptions.builder().allowClasses)", pattern);
            if (why == null) {
                throw e;
            }
            InvalidClassException named = new InvalidClassException(why);
            named.initCause(e);
            throw named;
        } catch (ClassNotFoundException e) {
            throw new ClassNotFoundException("class " + e.getMessage() + " is not on this Redis node's classpath; start"
                    + " the node with procpool worker-server --redis ... --classpath YOUR_JARS"
                    + " (RedisNodeOptions.builder().classpath)", e);
        } finally {
            AllowList.clear();
        }
    }
}
