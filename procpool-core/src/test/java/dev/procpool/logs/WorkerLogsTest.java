package dev.procpool.logs;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.procpool.OutputHandler;
import dev.procpool.PersistentWorker;
import dev.procpool.Task;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.internal.logs.Json;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A worker's SLF4J events and output lines reach the controller: to a sink, through the
 * controller's SLF4J with the worker's name in the MDC, and as JSON lines. The workers' classpath
 * has logback (this module's tests have it), which procpool's worker-side provider must override.
 */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class WorkerLogsTest {
    private static final String LOGGER = "test.worker.logs";

    private final ListAppender<ILoggingEvent> appender = new Recording();
    private ch.qos.logback.classic.Logger controllerSide;

    @BeforeEach
    void listen() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        controllerSide = ctx.getLogger(LOGGER);
        controllerSide.setLevel(Level.INFO);
        controllerSide.setAdditive(false); // keep the console quiet
        appender.setContext(ctx);
        appender.start();
        controllerSide.addAppender(appender);
    }

    @AfterEach
    void stopListening() {
        controllerSide.detachAppender(appender);
        controllerSide.setLevel(null);
        controllerSide.setAdditive(true);
    }

    /** Keeps events with their MDC as it was on the logging thread (logback reads it lazily otherwise). */
    static final class Recording extends ListAppender<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent e) {
            e.prepareForDeferredProcessing();
            super.append(e);
        }
    }

    /** Logs three events at three levels, one with an exception, then answers. */
    static Task<String> logSome() {
        return () -> {
            org.slf4j.Logger log = LoggerFactory.getLogger(LOGGER);
            log.debug("debug {}", 0);
            org.slf4j.MDC.put("request", "r-42");
            log.info("hello {} from {}", 1, "the worker");
            org.slf4j.MDC.remove("request");
            log.warn("careful", new IllegalStateException("boom", new java.io.IOException("disk")));
            log.atError().setMessage("fluent {}").addArgument(3).log();
            return "done";
        };
    }

    @Test
    void slf4jEventsOfAProcessWorkerReachItsSinkBeforeItsResult() throws Exception {
        Queue<LogEvent> events = new ConcurrentLinkedQueue<>();
        Queue<String> stdout = new ConcurrentLinkedQueue<>();
        PersistentWorker<Integer, String> w = Workers.persistent(WorkerType.PROCESS, (Integer x) -> logSome().call(),
                WorkerOptions.builder().name("logger-1").logSink(events::add)
                        .output((name, source, line) -> stdout.add(line)).build());
        w.enqueue(1);

        assertThat(w.nextResult(Deadlines.LONG)).isEqualTo("done");

        // in order, and all there by the time the result is: the batch goes ahead of the RESULT
        assertThat(events).extracting(LogEvent::message)
                .containsExactly("hello 1 from the worker", "careful", "fluent 3");
        LogEvent hello = events.peek();
        assertThat(hello.worker()).isEqualTo("logger-1");
        assertThat(hello.source()).isEqualTo(LogEvent.Source.LOG);
        assertThat(hello.level()).isEqualTo(org.slf4j.event.Level.INFO);
        assertThat(hello.logger()).isEqualTo(LOGGER);
        assertThat(hello.thread()).isEqualTo("procpool-task");
        assertThat(hello.exception()).isNull();
        assertThat(hello.mdc()).containsExactly(java.util.Map.entry("request", "r-42"));
        LogEvent careful = events.stream().filter(e -> e.message().equals("careful")).findFirst().orElseThrow();
        assertThat(careful.level()).isEqualTo(org.slf4j.event.Level.WARN);
        assertThat(careful.exception()).startsWith("java.lang.IllegalStateException: boom\n\tat ")
                .contains("\tat dev.procpool.logs.WorkerLogsTest.lambda$logSome$")
                .contains("Caused by: java.io.IOException: disk");
        w.close();
        // logback on the worker's classpath printed nothing: the events did not go through it
        assertThat(stdout).noneMatch(l -> l.contains("hello"));
    }

    @Test
    void logLevelLetsDebugThroughAndCaptureLogsFalseLeavesTheChildsOwnBinding() throws Exception {
        Queue<LogEvent> events = new ConcurrentLinkedQueue<>();
        Worker<String> debug = Workers.start(WorkerType.PROCESS, logSome(), WorkerOptions.builder()
                .logSink(events::add).logLevel(org.slf4j.event.Level.DEBUG).output(OutputHandler.discard()).build());
        assertThat(debug.await(Deadlines.LONG)).isTrue();
        assertThat(events).extracting(LogEvent::message).startsWith("debug 0");

        Queue<LogEvent> none = new ConcurrentLinkedQueue<>();
        Queue<String> stderr = new ConcurrentLinkedQueue<>();
        Worker<String> own = Workers.start(WorkerType.PROCESS, logSome(), WorkerOptions.builder()
                .logSink(none::add).captureLogs(false).output((name, source, line) -> {
                    if (source == OutputHandler.Source.STDERR) {
                        stderr.add(line);
                    }
                }).build());
        assertThat(own.await(Deadlines.LONG)).isTrue();
        assertThat(own.result()).isEqualTo("done");
        assertThat(none).isEmpty();
        // the worker's logback, configured by the logback-test.xml on its classpath (ERROR, stderr)
        assertThat(stderr).anyMatch(l -> l.contains("ERROR [] test.worker.logs - fluent 3"))
                .noneMatch(l -> l.contains("hello"));
    }

    @Test
    void eventsAreReEmittedThroughTheControllersSlf4jWithTheWorkerNameInTheMdc() throws Exception {
        Worker<String> w = Workers.start(WorkerType.PROCESS, logSome(), WorkerOptions.builder().name("mdc-worker")
                .output(OutputHandler.discard()).build());
        assertThat(w.await(Deadlines.LONG)).isTrue();

        List<ILoggingEvent> got = List.copyOf(appender.list);
        assertThat(got).extracting(ILoggingEvent::getFormattedMessage).first().isEqualTo("hello 1 from the worker");
        assertThat(got).hasSize(3).allSatisfy(e -> {
            assertThat(e.getMDCPropertyMap()).containsEntry(LogEvent.MDC_WORKER, "mdc-worker");
            assertThat(e.getLoggerName()).isEqualTo(LOGGER);
        });
        assertThat(got.get(0).getMDCPropertyMap()).containsEntry("request", "r-42");
        assertThat(got.get(1).getMDCPropertyMap()).doesNotContainKey("request");
        assertThat(got.get(1).getLevel()).isEqualTo(Level.WARN);
        assertThat(got.get(1).getFormattedMessage()).startsWith("careful" + System.lineSeparator()
                + "java.lang.IllegalStateException: boom");
        assertThat(got.get(2).getLevel()).isEqualTo(Level.ERROR);
    }

    @Test
    void aThreadWorkersEventsCarryItsNameInTheMdc() throws Exception {
        Worker<String> w = Workers.start(WorkerType.THREAD, logSome(), WorkerOptions.builder().name("in-thread").build());
        assertThat(w.await(Deadlines.LONG)).isTrue();
        assertThat(w.result()).isEqualTo("done");

        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("hello 1 from the worker", "careful", "fluent 3");
        assertThat(appender.list).allSatisfy(e ->
                assertThat(e.getMDCPropertyMap()).containsEntry(LogEvent.MDC_WORKER, "in-thread"));
    }

    @Test
    void outputLinesCanBeReEmittedThroughSlf4jToo() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger out = ctx.getLogger("procpool.stdout");
        ListAppender<ILoggingEvent> lines = new Recording();
        lines.setContext(ctx);
        lines.start();
        out.setLevel(Level.INFO);
        out.setAdditive(false);
        out.addAppender(lines);
        try {
            Worker<String> w = Workers.start(WorkerType.PROCESS, () -> {
                System.out.println("plain line");
                return "ok";
            }, WorkerOptions.builder().name("printer").logsTo(LogSink.slf4j()).build());
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(lines.list).singleElement().satisfies(e -> {
                assertThat(e.getFormattedMessage()).isEqualTo("plain line");
                assertThat(e.getMDCPropertyMap()).containsEntry(LogEvent.MDC_WORKER, "printer");
            });
        } finally {
            out.detachAppender(lines);
            out.setLevel(null);
            out.setAdditive(true);
        }
    }

    @Test
    void jsonLinesSinkWritesEveryEventAndLineAsOneEscapedObjectPerLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.jsonl");
        try (JsonLinesSink json = JsonLinesSink.open(file)) {
            Worker<String> w = Workers.start(WorkerType.PROCESS, () -> {
                System.out.println("out \"quoted\" \\ back");
                System.err.println("err\ttabbed \u0001 ctl");
                LoggerFactory.getLogger(LOGGER).info("two\nlines, unicode \u00e9\u4e2d\ud83d\ude00 and \u2028");
                LoggerFactory.getLogger(LOGGER).error("failed", new RuntimeException("why \"this\""));
                return "ok";
            }, WorkerOptions.builder().name("json \"w\"").logsTo(json).build());
            assertThat(w.await(Deadlines.LONG)).isTrue();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(4).allSatisfy(l -> assertThat(l).startsWith("{\"time\":\"").endsWith("}"));
        List<LogEvent> events = lines.stream().map(l -> {
            try {
                return Json.decode(l);
            } catch (Json.BadJsonException e) {
                throw new AssertionError(l, e);
            }
        }).collect(Collectors.toList());
        assertThat(events).allSatisfy(e -> assertThat(e.worker()).isEqualTo("json \"w\""));
        assertThat(events).filteredOn(e -> e.source() == LogEvent.Source.LOG).extracting(LogEvent::message)
                .containsExactly("two\nlines, unicode \u00e9\u4e2d\ud83d\ude00 and \u2028", "failed");
        assertThat(events).filteredOn(e -> e.source() == LogEvent.Source.STDOUT).singleElement()
                .satisfies(e -> assertThat(e.message()).isEqualTo("out \"quoted\" \\ back"));
        assertThat(events).filteredOn(e -> e.source() == LogEvent.Source.STDERR).singleElement()
                .satisfies(e -> assertThat(e.level()).isEqualTo(org.slf4j.event.Level.WARN));
        // the escapes themselves, as a JSON reader needs them
        assertThat(String.join("\n", lines)).contains("\"worker\":\"json \\\"w\\\"\"")
                .contains("\"message\":\"out \\\"quoted\\\" \\\\ back\"")
                .contains("\"message\":\"err\\ttabbed \\u0001 ctl\"")
                .contains("two\\nlines, unicode \u00e9\u4e2d\ud83d\ude00 and \\u2028")
                .contains("\"exception\":\"java.lang.RuntimeException: why \\\"this\\\"\\n\\tat ")
                .contains("\"exception\":null");
    }

    @Test
    void aSinkThatThrowsLosesOnlyThatEventAndTheWorkerGoesOn() throws Exception {
        Queue<String> got = new ConcurrentLinkedQueue<>();
        PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, (Integer x) -> {
            LoggerFactory.getLogger(LOGGER).info("n={}", x);
            return x;
        }, WorkerOptions.builder().output(OutputHandler.discard()).logSink(e -> {
            if (e.message().equals("n=1")) {
                throw new IllegalStateException("sink broke");
            }
            got.add(e.message());
        }).build());
        for (int i = 0; i < 3; i++) {
            w.enqueue(i);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(w.nextResult(Deadlines.LONG)).isEqualTo(i);
        }
        w.close();
        assertThat(got).containsExactly("n=0", "n=2");
    }

    /** An exception whose message logs: encoding an event must survive a nested event. */
    static final class ChattyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        @Override
        public String getMessage() {
            LoggerFactory.getLogger(LOGGER).info("asked for a message");
            return "chatty";
        }
    }

    @Test
    void anExceptionWhoseMessageLogsDoesNotGarbleTheEvent() throws Exception {
        Queue<LogEvent> events = new ConcurrentLinkedQueue<>();
        PersistentWorker<Integer, String> w = Workers.persistent(WorkerType.PROCESS, (Integer x) -> {
            LoggerFactory.getLogger(LOGGER).error("outer", new ChattyException());
            return "ok";
        }, WorkerOptions.builder().logSink(events::add).output(OutputHandler.discard()).build());
        w.enqueue(1);
        assertThat(w.nextResult(Deadlines.LONG)).isEqualTo("ok");
        w.close();
        assertThat(events).extracting(LogEvent::message).containsExactly("asked for a message", "outer");
        assertThat(events).last().satisfies(e -> assertThat(e.exception())
                .startsWith("dev.procpool.logs.WorkerLogsTest$ChattyException: chatty\n\tat "));
    }
}
