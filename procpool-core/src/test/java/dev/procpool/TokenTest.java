package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One token type for worker servers, log servers and their clients: what it accepts, and what it never shows. */
class TokenTest {
    @Test
    void aTokenIsLongPrintableTextWithoutWhiteSpace() {
        assertThat(Token.of("0123456789abcdef").bytes()).isEqualTo("0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Token.of("short")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too short").hasMessageNotContaining("short)");
        assertThatThrownBy(() -> Token.of("has a space 0123456789")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("white space");
        assertThatThrownBy(() -> Token.of("tab\there-0123456789")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Token.fromEnv("PROCPOOL_TEST_NO_SUCH_VARIABLE"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PROCPOOL_TEST_NO_SUCH_VARIABLE");
    }

    @Test
    void theSecretNeverShowsAndEqualityIsByContent() {
        Token t = Token.of("s3cret-s3cret-s3cret");
        assertThat(t.toString()).doesNotContain("s3cret");
        assertThat(t).isEqualTo(Token.of("s3cret-s3cret-s3cret")).isNotEqualTo(Token.of("s3cret-s3cret-other"));
        byte[] b = t.bytes();
        b[0] = 'X';
        assertThat(t).isEqualTo(Token.of("s3cret-s3cret-s3cret")); // bytes() hands out a copy
    }

    @Test
    void randomTokensAreLongAndDistinct() {
        Token a = Token.random();
        assertThat(a.bytes()).hasSize(64);
        assertThat(a).isNotEqualTo(Token.random());
        assertThat(Token.of(new String(a.bytes(), StandardCharsets.US_ASCII))).isEqualTo(a);
    }

    @Test
    void aTokenFileIsReadWithoutItsFinalNewline(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "  from-a-file-0123456789\n");
        assertThat(Token.fromFile(file)).isEqualTo(Token.of("from-a-file-0123456789"));
        assertThatThrownBy(() -> Token.fromFile(dir.resolve("none"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot read the token file");
        Files.writeString(file, "x\n");
        assertThatThrownBy(() -> Token.fromFile(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the token file " + file + " is too short");
    }
}
