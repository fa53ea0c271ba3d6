package dev.procpool.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.internal.logs.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** The JSON line format: escaping that any JSON reader accepts, and a parser that refuses the rest. */
@org.junit.jupiter.api.extension.ExtendWith(dev.procpool.testing.LeakCheck.class)
class JsonLinesTest {
    private static LogEvent event(String message) {
        return new LogEvent(Instant.parse("2026-11-22T18:00:00.123456Z"), "w-1", LogEvent.Source.LOG, Level.INFO,
                "a.b.C", "main", message, null);
    }

    @Test
    void anEventIsOneFlatObjectWithEveryField() {
        assertThat(JsonLinesSink.toJson(event("hi"))).isEqualTo("{\"time\":\"2026-11-22T18:00:00.123456Z\","
                + "\"worker\":\"w-1\",\"source\":\"log\",\"level\":\"INFO\",\"logger\":\"a.b.C\",\"thread\":\"main\","
                + "\"message\":\"hi\",\"exception\":null,\"mdc\":{}}");
    }

    @Test
    void theMdcIsAnObjectWithSortedKeysAndComesBack() throws Exception {
        LogEvent e = new LogEvent(Instant.parse("2026-11-22T18:00:00Z"), "w", LogEvent.Source.LOG, Level.WARN, "l", null,
                "m", null, java.util.Map.of("z", "last", "a", "first \"q\""));
        String json = JsonLinesSink.toJson(e);
        assertThat(json).endsWith(",\"mdc\":{\"a\":\"first \\\"q\\\"\",\"z\":\"last\"}}");
        assertThat(Json.decode(json)).isEqualTo(e);
        assertThatThrownBy(() -> Json.decode(json.replace("\"mdc\":{", "\"mdc\":{\"nested\":{},")))
                .isInstanceOf(Json.BadJsonException.class);
    }

    @Test
    void controlCharactersQuotesSeparatorsAndLoneSurrogatesAreEscaped() throws Exception {
        String nasty = "q\" b\\ n\n r\r t\t nul\u0000 esc\u001b ls\u2028 ps\u2029 lone\ud800 ok\ud83d\ude00 del\u007f";
        String json = JsonLinesSink.toJson(event(nasty));
        assertThat(json).doesNotContain("\n", "\r", "\u0000", "\u2028", "\u2029", "\ud800 ")
                .contains("\"message\":\"q\\\" b\\\\ n\\n r\\r t\\t nul\\u0000 esc\\u001b ls\\u2028 ps\\u2029 lone\\ud800 ok\ud83d\ude00 del\u007f\"");
        assertThat(Json.decode(json)).isEqualTo(event(nasty));
    }

    @Test
    void theParserRefusesWhatIsNotALogEvent() {
        for (String bad : new String[] {"", "not json", "[]", "{\"time\":1}", "{\"message\":\"x\"}",
                "{\"time\":\"2026-11-22T18:00:00Z\",\"worker\":\"w\",\"level\":\"LOUD\",\"logger\":\"l\",\"message\":\"m\"}",
                "{\"time\":\"yesterday\",\"worker\":\"w\",\"level\":\"INFO\",\"logger\":\"l\",\"message\":\"m\"}",
                "{\"time\":\"2026-11-22T18:00:00Z\",\"worker\":\"w\",\"level\":\"INFO\",\"logger\":\"l\",\"message\":\"m\"} x",
                "{\"time\":\"2026-11-22T18:00:00Z\",\"worker\":\"w\",\"level\":\"INFO\",\"logger\":\"l\",\"message\":\"a\u0001\"}",
                "{\"time\":\"2026-11-22T18:00:00Z\",\"worker\":\"w\",\"level\":\"INFO\",\"logger\":\"l\",\"message\":\"\\u12g4\"}"}) {
            assertThatThrownBy(() -> Json.decode(bad)).as(bad).isInstanceOf(Json.BadJsonException.class);
        }
    }

    @Test
    void theParserTakesAnyFieldOrderWhitespaceAndUnknownFields() throws Exception {
        LogEvent e = Json.decode(" { \"message\" : \"m\\/x\", \"extra\":\"ignored\", \"level\":\"warn\", \"logger\":\"l\","
                + "\"worker\":\"w\",\"time\":\"2026-11-22T18:00:00Z\" } ");
        assertThat(e.message()).isEqualTo("m/x");
        assertThat(e.level()).isEqualTo(Level.WARN);
        assertThat(e.source()).isEqualTo(LogEvent.Source.LOG);
        assertThat(e.thread()).isNull();
    }

    @Test
    void aLoneEventReachesTheFileSoonWithoutAFlush(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("lone.jsonl");
        try (JsonLinesSink sink = JsonLinesSink.open(file)) {
            sink.accept(event("alone"));
            org.awaitility.Awaitility.await().atMost(dev.procpool.testing.Deadlines.SHORT)
                    .until(() -> java.nio.file.Files.readString(file).contains("\"message\":\"alone\""));
        }
    }
}
