package dev.procpool.redis;

import dev.procpool.Task;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Tasks the Redis tests send; static methods so that the lambdas capture only strings and numbers. */
final class RTasks {
    private RTasks() {
    }

    /** The pid of the node that ran the task (the parent of the worker process). */
    static long nodePid() {
        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
    }

    /**
     * Appends a line "label nodePid" to {@code log}, then waits until {@code gate} exists, then
     * returns the node's pid.
     */
    static long markAndWait(String log, String label, String gate) throws IOException, InterruptedException {
        Files.writeString(Path.of(log), label + " " + nodePid() + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        while (!Files.exists(Path.of(gate))) {
            Thread.sleep(10); // the gate is a file: a latch of the test JVM cannot reach this process
        }
        return nodePid();
    }

    static Task<Long> gated(String log, String label, String gate) {
        return () -> markAndWait(log, label, gate);
    }

    /** x * x once {@code gate} exists. */
    static Task<Integer> squareAfter(String gate, int x) {
        return () -> {
            while (!Files.exists(Path.of(gate))) {
                Thread.sleep(10);
            }
            return x * x;
        };
    }

    static Task<Integer> square(int x) {
        return () -> x * x;
    }
}
