package dev.procpool.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code --json} summary's string encoder is the CLI's own copy (the CLI uses only the library's
 * public API); it must write exactly what the log sink's JSON lines write, whose rules are tested there.
 */
class JsonTest {

    @Test
    void stringsAreEncodedExactlyAsTheLogSinkEncodesThem() {
        List<String> samples = List.of("", "plain", "quote \" and backslash \\", "tab\tnew\nline\rcr\bbs\ffeed",
                "\u0000\u0001\u001f\u007f", "line\u2028para\u2029end", "emoji \uD83D\uDE00 ok",
                "lone high \uD83D end", "lone low \uDE00 end", "\uDE00\uD83D reversed", "ends high \uD83D",
                "caf\u00e9 \u4e2d\u6587");
        for (String s : samples) {
            StringBuilder ours = new StringBuilder();
            Json.string(ours, s);
            StringBuilder sinks = new StringBuilder();
            dev.procpool.internal.logs.Json.string(sinks, s);
            assertThat(ours.toString()).as("encoding of %s", s).isEqualTo(sinks.toString());
        }
    }

    @Test
    void aSummaryIsOneLineOfJsonWithTheJobsInOrder() {
        Map<String, Object> job = Json.job(1, List.of("a\nb"), "echo a", "ok", 0, 0, 1.5, 0.25);
        String line = Json.summary(1, 1, 0, 0, 0, 0, 0, 0.3, List.of(job));
        assertThat(line).endsWith("}\n").doesNotContain("\n{").hasLineCount(1);
        assertThat(line).startsWith("{\"jobs\":1,\"succeeded\":1,")
                .contains("\"results\":[{\"seq\":1,\"args\":[\"a\\nb\"],\"command\":\"echo a\",\"status\":\"ok\","
                        + "\"exitval\":0,\"signal\":0,\"start\":1.500,\"runtime\":0.250}]");
    }
}
