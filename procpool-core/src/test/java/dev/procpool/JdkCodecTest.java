package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JdkCodecTest {
    private final JdkCodec codec = new JdkCodec();

    private Object roundTrip(Object value) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        codec.encode(value, out);
        return codec.decode(new ByteArrayInputStream(out.toByteArray()), getClass().getClassLoader());
    }

    @Test
    void compactFormsComeBackEqualAndOfTheSameClass() throws Exception {
        List<Object> values = Arrays.asList(null, 42, -7L, "text", "", true, 2.5, new byte[] {1, 2},
                new ArrayList<>(List.of(1, 2, 3)), new ArrayList<>(List.of(4L, 5L)), new ArrayList<>(),
                new ArrayList<>(Arrays.asList(1, null)), new ArrayList<>(List.of(1, "mixed")), List.of(1, 2),
                Map.of("k", 1), "x".repeat(70_000));
        for (Object v : values) {
            Object back = roundTrip(v);
            if (v instanceof byte[] b) {
                assertThat((byte[]) back).isEqualTo(b);
            } else {
                assertThat(back).isEqualTo(v);
                if (v != null) {
                    assertThat(back).hasSameClassAs(v);
                }
            }
        }
    }

    @Test
    void whatCannotBeSerializedIsNamed() {
        assertThatThrownBy(() -> roundTrip(new ArrayList<>(List.of(new Object()))))
                .isInstanceOf(NotSerializableException.class).hasMessage("java.lang.Object");
    }
}
