package dev.procpool.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.NotSerializableException;
import java.io.Serializable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Records travel component by component and come back equal; everything else as JdkCodec does. */
class MessageCodecTest {
    record Inner(String text, long big, boolean flag) implements Serializable {
    }

    record Outer(int n, double x, Inner inner, Object anything, List<String> list, Inner missing)
            implements Serializable {
    }

    record NotSerializableRecord(int n) {
    }

    record HoldsAnOpaque(Object o) implements Serializable {
    }

    private static Object roundTrip(Object value) throws Exception {
        Bytes.Out out = new Bytes.Out(16);
        MessageCodec.encode(value, out);
        return MessageCodec.decode(out.array(), 0, out.size(), MessageCodecTest.class.getClassLoader());
    }

    @Test
    void nestedRecordsWithEveryKindOfComponentComeBackEqual() throws Exception {
        Outer o = new Outer(-7, 2.5, new Inner("héllo", Long.MIN_VALUE, true), 42, List.of("a", "b"), null);
        assertThat(roundTrip(o)).isEqualTo(o);
    }

    @Test
    void otherValuesGoThroughJdkCodec() throws Exception {
        assertThat(roundTrip("text")).isEqualTo("text");
        assertThat(roundTrip(null)).isNull();
        assertThat(roundTrip(List.of(1, 2))).isEqualTo(List.of(1, 2));
        assertThat(roundTrip(new ResidentTerm())).isEqualTo(new ResidentTerm());
    }

    @Test
    void aRecordThatIsNotSerializableOrHoldsSomethingThatIsNotIsRefusedNamingTheClass() {
        assertThatThrownBy(() -> roundTrip(new NotSerializableRecord(1))).isInstanceOf(NotSerializableException.class)
                .hasMessageContaining("NotSerializableRecord");
        assertThatThrownBy(() -> roundTrip(new HoldsAnOpaque(new Object()))).isInstanceOf(NotSerializableException.class)
                .hasMessageContaining("java.lang.Object");
    }
}
