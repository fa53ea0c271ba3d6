package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link JdkCodec#JdkCodec(ObjectInputFilter)}: what the filter rejects is never built. */
class JdkCodecFilterTest {
    /** Counts its instances: a rejected one must never have been built. */
    static final class Counted implements Serializable {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger READ = new AtomicInteger();

        private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
            in.defaultReadObject();
            READ.incrementAndGet();
        }
    }

    private static byte[] encode(Object value) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new JdkCodec().encode(value, out);
        return out.toByteArray();
    }

    private static Object decode(JdkCodec codec, byte[] bytes) throws Exception {
        return codec.decode(new ByteArrayInputStream(bytes), JdkCodecFilterTest.class.getClassLoader());
    }

    @Test
    void aSerializedClassOutsideTheFilterIsRejectedBeforeItIsBuilt() throws Exception {
        JdkCodec strict = new JdkCodec(ObjectInputFilter.Config.createFilter("java.base/*;!*"));
        int before = Counted.READ.get();
        assertThatThrownBy(() -> decode(strict, encode(new Counted()))).isInstanceOf(InvalidClassException.class);
        assertThat(Counted.READ.get()).isEqualTo(before);
        assertThat(decode(new JdkCodec(), encode(new Counted()))).isInstanceOf(Counted.class);
        assertThat(decode(strict, encode(new java.util.ArrayList<>(java.util.List.of("a", "b")))))
                .isEqualTo(java.util.List.of("a", "b"));
    }

    @Test
    void aLambdaIsCheckedByItsCapturingClass() throws Exception {
        int base = 40;
        Task<Integer> task = () -> base + 2;
        byte[] bytes = encode(task);
        assertThatThrownBy(() -> decode(new JdkCodec(ObjectInputFilter.Config.createFilter("java.base/*;!*")), bytes))
                .isInstanceOf(InvalidClassException.class).hasMessageContaining(JdkCodecFilterTest.class.getName());
        @SuppressWarnings("unchecked")
        Task<Integer> back = (Task<Integer>) decode(
                new JdkCodec(ObjectInputFilter.Config.createFilter("dev.procpool.*;java.base/*;!*")), bytes);
        assertThat(back.call()).isEqualTo(42);
    }
}
