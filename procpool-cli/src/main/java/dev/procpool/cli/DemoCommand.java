package dev.procpool.cli;

import dev.procpool.PersistentWorker;
import dev.procpool.Worker;
import dev.procpool.WorkerExit;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerState;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code procpool demo}: four short, real examples of what procpool does, explained in plain
 * words. It is the first thing a newcomer runs, and CI runs it too, so it checks every claim it
 * prints and exits 1 if one does not hold.
 *
 * <pre>
 * $ procpool demo
 * 1. A thread worker computed 6*7 = 42, inside this JVM (pid 4100).
 * 2. A process worker started a child JVM (pid 4123), which computed 6*7 = 42 and sent it back.
 * 3. ...
 * </pre>
 *
 * <p>It uses only procpool's public API, as a user's program would.
 */
@Command(name = "demo",
        header = "Shows procpool at work in four short examples.",
        description = "A thread worker, a process worker (a child JVM), a process worker stopped although its "
                + "task ignores interrupts, and a persistent worker. Exits 1 if any of them misbehaves.")
final class DemoCommand implements Callable<Integer> {
    /** Far above what a JVM start takes on a slow, busy machine; only a real hang reaches it. */
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);
    /** Long enough to see that the stubborn task does not end, short enough not to bore anyone. */
    private static final Duration STUBBORN_WAIT = Duration.ofSeconds(1);
    private static final Duration TERMINATE_GRACE = Duration.ofMillis(500);
    /** How long the OS may take to clear a killed process after procpool reported it stopped. */
    private static final Duration GONE_DEADLINE = Duration.ofSeconds(5);

    /**
     * If a step goes wrong, closing its worker must not keep the user waiting for the default
     * minute: a short bound, then the stop escalation.
     */
    private static final WorkerOptions QUICK_CLOSE = WorkerOptions.builder()
            .closeTimeout(Duration.ofSeconds(2))
            .grace(Duration.ofMillis(500))
            .build();

    @Spec
    CommandSpec spec;

    private PrintWriter out;
    private final List<String> problems = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        out = spec.commandLine().getOut();
        long me = ProcessHandle.current().pid();
        say("procpool demo: four small examples. Every worker below is a real thread or a real child JVM;");
        say("this program itself is pid " + me + ".");
        say("");
        step(1, () -> threadWorker(me));
        step(2, () -> processWorker(me));
        step(3, this::stubbornProcessWorker);
        step(4, this::persistentWorker);
        say("");
        if (problems.isEmpty()) {
            say("All four examples behaved as described.");
            return 0;
        }
        say("Something unexpected happened in " + problems.size() + " of the 4 examples:");
        problems.forEach(p -> say("  - " + p));
        return 1;
    }

    private void threadWorker(long me) throws Exception {
        try (Worker<DemoTasks.Answer> w = Workers.start(WorkerType.THREAD,
                new DemoTasks.MultiplyAndReportPid(6, 7), named("demo-thread"))) {
            DemoTasks.Answer answer = awaitResult(w);
            say("1. A thread worker computed 6*7 = " + answer.value() + ", inside this JVM (pid " + answer.pid() + ").");
            expect(answer.value() == 42, "the thread worker's answer was " + answer.value() + ", not 42");
            expect(answer.pid() == me, "the thread worker ran in pid " + answer.pid() + ", not in this JVM");
        }
    }

    private void processWorker(long me) throws Exception {
        try (Worker<DemoTasks.Answer> w = Workers.start(WorkerType.PROCESS,
                new DemoTasks.MultiplyAndReportPid(6, 7), named("demo-process"))) {
            DemoTasks.Answer answer = awaitResult(w);
            say("2. A process worker started a child JVM (pid " + w.pid() + "), which computed 6*7 = "
                    + answer.value() + " and sent it back.");
            expect(answer.value() == 42, "the process worker's answer was " + answer.value() + ", not 42");
            expect(answer.pid() == w.pid() && answer.pid() != me,
                    "the task reported pid " + answer.pid() + ", but the worker's pid is " + w.pid());
        }
    }

    private void stubbornProcessWorker() throws Exception {
        try (Worker<Void> w = Workers.start(WorkerType.PROCESS, new DemoTasks.StubbornSpinner(),
                named("demo-stubborn"))) {
            long pid = w.pid();
            // taken while the child surely exists, so a later process reusing the pid is not mistaken for it
            Optional<ProcessHandle> child = ProcessHandle.of(pid);
            say("3. A process worker (pid " + pid + ") runs a task that spins forever and ignores interrupts.");
            if (w.await(STUBBORN_WAIT)) {
                expect(false, "the endless task ended by itself: " + exitDescription(w));
                return;
            }
            say("   After " + seconds(STUBBORN_WAIT) + " it is still running, so the demo calls terminate("
                    + TERMINATE_GRACE.toMillis() + " ms).");
            long start = System.nanoTime();
            w.terminate(TERMINATE_GRACE);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            say("   The task ignored interrupts, so procpool killed its process (pid " + pid + ") within "
                    + seconds(took) + ":");
            say("   " + exitDescription(w) + ".");
            boolean gone = waitUntilGone(pid, child);
            say("   The worker's state is now " + w.state() + ", and process " + pid
                    + (gone ? " is gone." : " is STILL RUNNING."));
            expect(w.state() == WorkerState.TERMINATED, "the worker's state is " + w.state() + ", not TERMINATED");
            expect(gone, "process " + pid + " still runs " + seconds(GONE_DEADLINE) + " after terminate returned");
        }
    }

    private void persistentWorker() throws Exception {
        try (PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, DemoTasks.square(),
                named("demo-squares"))) {
            List<Integer> inputs = IntStream.range(0, 10).boxed().toList();
            inputs.forEach(w::enqueue);
            w.endInput();
            List<Integer> squares = new ArrayList<>();
            for (int ignored : inputs) {
                squares.add(w.nextResult(STEP_TIMEOUT));
            }
            expect(w.await(STEP_TIMEOUT), "the persistent worker did not end after its input ended");
            long calls = w.result();
            say("4. A persistent process worker (one child JVM, pid " + w.pid() + ") squared 0..9 in order: "
                    + squares.stream().map(String::valueOf).collect(Collectors.joining(", ")) + " ("
                    + calls + " calls).");
            List<Integer> expected = inputs.stream().map(x -> x * x).toList();
            expect(squares.equals(expected), "the squares came back as " + squares + ", expected " + expected);
            expect(calls == inputs.size(), "the worker counted " + calls + " calls, not " + inputs.size());
        }
    }

    private static <R> R awaitResult(Worker<R> w) throws InterruptedException {
        if (!w.await(STEP_TIMEOUT)) {
            throw new IllegalStateException("worker '" + w.name() + "' did not finish within " + seconds(STEP_TIMEOUT));
        }
        return w.result();
    }

    /**
     * Polls (there is no notification for the exit of a process that is not our child) until the
     * process is gone or the deadline passes. A pid reused by a new process does not count as ours.
     */
    private static boolean waitUntilGone(long pid, Optional<ProcessHandle> before) throws InterruptedException {
        long deadline = System.nanoTime() + GONE_DEADLINE.toNanos();
        while (true) {
            Optional<ProcessHandle> now = ProcessHandle.of(pid);
            boolean gone = now.isEmpty() || !now.get().isAlive() || before.isEmpty() || !now.get().equals(before.get());
            if (gone) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
    }

    private static String exitDescription(Worker<?> w) {
        return w.exit().map(WorkerExit::description).orElse("(no exit recorded)");
    }

    private static WorkerOptions named(String name) {
        return QUICK_CLOSE.toBuilder().name(name).build();
    }

    private static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }

    /** A step that throws is reported like a failed check, and the demo goes on with the next one. */
    private void step(int number, Step step) throws InterruptedException {
        try {
            step.run();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            say(number + ". Failed: " + message.replace("\n", "\n   "));
            problems.add("example " + number + " failed: " + message.lines().findFirst().orElse(""));
        }
    }

    private void expect(boolean condition, String problem) {
        if (!condition) {
            problems.add(problem);
        }
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }
}
