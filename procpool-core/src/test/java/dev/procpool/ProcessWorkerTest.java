package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import dev.procpool.testing.Misbehave;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What only a process can do or suffer: real deaths, signals, JVM options, output. */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class ProcessWorkerTest {

    private static final WorkerOptions QUIET = WorkerOptions.builder().output(OutputHandler.discard()).build();

    private static <R> Worker<R> startAndAwait(Task<R> task, WorkerOptions options) throws Exception {
        Worker<R> w = Workers.start(WorkerType.PROCESS, task, options);
        assertThat(w.await(Deadlines.LONG)).as("worker ended").isTrue();
        return w;
    }

    @Test
    void exitWithACodeIsReportedWithTheCodeAndStderrTail() throws Exception {
        Worker<Object> w = startAndAwait(Misbehave.exitWith(3), QUIET);

        assertThat(w.state()).isEqualTo(WorkerState.DIED);
        assertThat(w.hasError()).isTrue();
        WorkerDiedException e = (WorkerDiedException) w.error().orElseThrow();
        assertThat(e.exitCode()).hasValue(3);
        assertThat(e.signal()).isEmpty();
        assertThat(e.stderrTail()).contains("about to exit with 3");
        assertThat(e).hasMessageContaining("exited with code 3").hasMessageContaining("about to exit with 3")
                .hasMessageContaining(w.name()).hasMessageContaining(Long.toString(w.pid()));
        assertThat(w.exit().orElseThrow().exitCode()).hasValue(3);
        assertThatThrownBy(w::result).isSameAs(e);
    }

    @Test
    void haltIsReportedAsADeath() throws Exception {
        Worker<Object> w = startAndAwait(Misbehave.halt(7), QUIET);

        assertThat(w.state()).isEqualTo(WorkerState.DIED);
        assertThat(w.error().orElseThrow()).hasMessageContaining("exited with code 7")
                .hasMessageContaining("about to halt with 7");
    }

    @Test
    void systemExitMidTaskFailsThatCallAndEveryQueuedOne() throws Exception {
        PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, (Integer x) -> {
            if (x == 2) {
                System.exit(42);
            }
            return x;
        }, QUIET);
        for (int i = 0; i < 5; i++) {
            w.enqueue(i);
        }
        assertThat(w.nextResult(Deadlines.LONG)).isZero();
        assertThat(w.nextResult(Deadlines.LONG)).isEqualTo(1);
        for (int i = 2; i < 5; i++) {
            assertThatThrownBy(() -> w.nextResult(Deadlines.LONG)).isInstanceOf(WorkerDiedException.class)
                    .hasMessageContaining("exited with code 42");
        }
        assertThat(w.state()).isEqualTo(WorkerState.DIED);
        assertThatThrownBy(() -> w.enqueue(9)).isInstanceOf(IllegalStateException.class).hasMessageContaining("DIED");
    }

    @Test
    void sigkillFromOutsideIsReportedWithTheSignalName() throws Exception {
        Worker<String> w = Workers.start(WorkerType.PROCESS, Misbehave.hang(), QUIET);
        await().atMost(Deadlines.LONG).until(() -> w.state() == WorkerState.RUNNING);

        ProcessHandle.of(w.pid()).orElseThrow().destroyForcibly();

        assertThat(w.await(Deadlines.SHORT)).isTrue();
        assertThat(w.state()).isEqualTo(WorkerState.DIED);
        assertThat(w.hasError()).isTrue();
        WorkerDiedException e = (WorkerDiedException) w.error().orElseThrow();
        assertThat(e.signal()).hasValue("SIGKILL");
        assertThat(e.exitCode()).hasValue(137);
        assertThat(e).hasMessageContaining("killed by SIGKILL");
    }

    @Test
    void runningOutOfHeapKillsTheWorkerAndSaysSo() throws Exception {
        Worker<Integer> w = startAndAwait(Misbehave.exhaustHeap(), QUIET.toBuilder().maxHeap("32m").build());

        assertThat(w.state()).isEqualTo(WorkerState.DIED);
        assertThat(w.error().orElseThrow()).hasMessageContaining("out of memory")
                .hasMessageContaining("OutOfMemoryError");
    }

    @Test
    void terminateEscalatesToSigkillWhenSigtermIsIgnored() throws Exception {
        AtomicInteger ignoring = new AtomicInteger();
        Worker<String> w = Workers.start(WorkerType.PROCESS, Misbehave.ignoreSigtermAndSpin(),
                QUIET.toBuilder().output((name, src, line) -> {
                    if (line.contains("SIGTERM is ignored now")) {
                        ignoring.incrementAndGet();
                    }
                }).build());
        await().atMost(Deadlines.LONG).until(() -> ignoring.get() == 1);

        w.terminate(Deadlines.GRACE);

        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        assertThat(w.exit().orElseThrow().signal()).isEqualTo("SIGKILL");
        assertThat(w.exit().orElseThrow().description()).contains("SIGTERM").contains("SIGKILL");
        assertThat(LeakCheck.isRunning(w.pid())).isFalse();
    }

    @Test
    void terminateStopsATaskBlockedInNativeCode(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        Worker<String> w = Workers.start(WorkerType.PROCESS, Misbehave.blockInNative(fifo.toString()), QUIET);
        await().atMost(Deadlines.LONG).until(() -> w.state() == WorkerState.RUNNING);

        w.terminate(Deadlines.GRACE);

        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        assertThat(w.exit().orElseThrow().signal()).isIn("SIGTERM", "SIGKILL");
        assertThat(LeakCheck.isRunning(w.pid())).isFalse();
    }

    @Test
    void garbageOnTheChannelIsAProtocolViolationAndKillsTheWorker() throws Exception {
        Worker<String> w = startAndAwait(Misbehave.garbageOnChannel(), QUIET);

        assertThat(w.state()).isEqualTo(WorkerState.DIED);
        assertThat(w.error().orElseThrow()).isInstanceOf(WorkerDiedException.class)
                .hasMessageContaining("broke the control protocol").hasMessageContaining("bad frame length");
        assertThat(LeakCheck.isRunning(w.pid())).isFalse();
    }

    @Test
    void everyStdoutLineOfAFloodArrivesTaggedWithTheWorkerName() throws Exception {
        int lines = 200_000;
        AtomicInteger seen = new AtomicInteger();
        ConcurrentLinkedQueue<String> wrongName = new ConcurrentLinkedQueue<>();
        Worker<Integer> w = startAndAwait(Misbehave.floodStdout(lines), QUIET.toBuilder().name("flooder")
                .output((name, source, line) -> {
                    if (!name.equals("flooder")) {
                        wrongName.add(name);
                    }
                    if (source == OutputHandler.Source.STDOUT && line.startsWith("flood line ")) {
                        seen.incrementAndGet();
                    }
                }).build());

        assertThat(w.result()).isEqualTo(lines);
        assertThat(seen.get()).isEqualTo(lines);
        assertThat(wrongName).isEmpty();
    }

    @Test
    void stdoutAndStderrArriveLineByLineWithTheirSource() throws Exception {
        ConcurrentLinkedQueue<String> got = new ConcurrentLinkedQueue<>();
        Worker<Integer> w = startAndAwait(() -> {
            System.out.println("to out");
            System.err.println("to err");
            return 1;
        }, QUIET.toBuilder().name("talker").output((name, source, line) -> got.add(name + " " + source + " " + line)).build());

        assertThat(w.result()).isEqualTo(1);
        assertThat(got).contains("talker STDOUT to out", "talker STDERR to err");
    }

    @Test
    void jvmOptionsEnvironmentAndWorkingDirectoryReachTheChild(@TempDir Path dir) throws Exception {
        WorkerOptions options = QUIET.toBuilder()
                .name("configured")
                .maxHeap("64m")
                .systemProperty("demo.flag", "on")
                .environment("DEMO_ENV", "hello world")
                .workingDirectory(dir)
                .jvmArgs("-Dextra.arg=1")
                .build();
        Worker<String> w = startAndAwait(() -> System.getProperty("demo.flag") + "|" + System.getenv("DEMO_ENV")
                + "|" + Path.of("").toAbsolutePath() + "|" + System.getProperty("extra.arg") + "|"
                + (Runtime.getRuntime().maxMemory() <= 64L << 20), options);

        assertThat(w.result()).isEqualTo("on|hello world|" + dir.toRealPath() + "|1|true");
        String command = w.launchCommand().orElseThrow();
        assertThat(command).contains("cd ").contains("'DEMO_ENV=hello world'").contains("-Xmx64m")
                .contains("-Ddemo.flag=on").contains("-Dprocpool.worker=configured").doesNotContain("PROCPOOL_WORKER_SECRET");
    }

    @Test
    void workerNameIsVisibleOnItsCommandLineToPs() throws Exception {
        Worker<String> w = Workers.start(WorkerType.PROCESS, Misbehave.hang(), QUIET.toBuilder().name("visible-7").build());
        try {
            String cmdline = Files.readString(Path.of("/proc/" + w.pid() + "/cmdline")).replace('\0', ' ');
            assertThat(cmdline).contains("-Dprocpool.worker=visible-7");
        } finally {
            w.terminate(Deadlines.GRACE);
        }
    }

    @Test
    void aMissingJavaExecutableFailsTheStartNamingTheCommand() {
        WorkerOptions options = QUIET.toBuilder().javaExecutable(Path.of("/no/such/java")).build();

        assertThatThrownBy(() -> Workers.start(WorkerType.PROCESS, () -> 1, options))
                .isInstanceOf(WorkerStartException.class).hasMessageContaining("/no/such/java");
    }

    @Test
    void aBadJvmOptionIsReportedWithTheJvmsOwnWords() throws Exception {
        Worker<Integer> w = startAndAwait(() -> 1, QUIET.toBuilder().jvmArgs("-XX:+NoSuchOption").build());

        assertThat(w.state()).isEqualTo(WorkerState.DIED);
        assertThat(w.error().orElseThrow()).hasMessageContaining("exited before connecting")
                .hasMessageContaining("NoSuchOption");
    }

    @Test
    void aStoppedChildIsDeclaredDeadByTheHeartbeat() throws Exception {
        Worker<String> w = Workers.start(WorkerType.PROCESS, Misbehave.hang(),
                QUIET.toBuilder().heartbeat(Duration.ofMillis(100), Duration.ofMillis(1500)).build());
        await().atMost(Deadlines.LONG).until(() -> w.state() == WorkerState.RUNNING);
        Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(w.pid())).start();
        assertThat(stop.waitFor()).isZero();

        assertThat(w.await(Deadlines.SHORT)).isTrue();

        assertThat(w.state()).isEqualTo(WorkerState.DIED);
        assertThat(w.error().orElseThrow()).hasMessageContaining("unresponsive").hasMessageContaining("SIGKILL");
    }

    @Test
    void aQuietButHealthyChildIsNotDeclaredDead() throws Exception {
        // the task sleeps far longer than the heartbeat timeout; pings keep the worker alive
        Worker<String> w = Workers.start(WorkerType.PROCESS, () -> {
            Thread.sleep(1500);
            return "slept";
        }, QUIET.toBuilder().heartbeat(Duration.ofMillis(100), Duration.ofMillis(600)).build());

        assertThat(w.await(Deadlines.LONG)).isTrue();
        assertThat(w.result()).isEqualTo("slept");
    }

    @Test
    void aCustomCodecIsUsedOnBothSides() throws Exception {
        try (PersistentWorker<String, String> w = Workers.persistent(WorkerType.PROCESS, (String s) -> s + "!",
                QUIET.toBuilder().codec(new dev.procpool.testing.CountingCodec()).build())) {
            w.enqueue("x");
            // one trip there (controller encodes), one back (child encodes)
            assertThat(w.nextResult(Deadlines.LONG)).isEqualTo("x+!+");
            assertThat(w.launchCommand().orElseThrow()).contains(dev.procpool.testing.CountingCodec.class.getName());
        }
    }

    @Test
    void aJvmCrashIsReportedWithWhatTheJvmSaidAndWhereItsReportIs(@TempDir Path dir) throws Exception {
        Worker<Object> w = startAndAwait(Misbehave.crashTheJvm(), QUIET.toBuilder().workingDirectory(dir)
                .jvmArgs("-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log")).build());

        assertThat(w.state()).isEqualTo(WorkerState.DIED);
        assertThat(w.error().orElseThrow()).isInstanceOf(WorkerDiedException.class)
                .hasMessageContaining("the JVM crashed (SIGSEGV").hasMessageContaining(dir.toString());
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("hs_err_"));
        }
    }

    @Test
    void theTaskSeesAnEmptyStdinThoughItsTaskCameThatWay() throws Exception {
        Worker<Integer> w = startAndAwait(() -> System.in.read(), QUIET);

        assertThat(w.result()).isEqualTo(-1);
    }

    @Test
    void aFirstTaskTooBigForThePreloadGoesOverTheConnection() throws Exception {
        byte[] big = new byte[200 * 1024];
        big[big.length - 1] = 9;
        Worker<Integer> w = startAndAwait(() -> big.length + big[big.length - 1], QUIET);

        assertThat(w.result()).isEqualTo(200 * 1024 + 9);
    }

    @Test
    void childrenOnAJarClasspathShareAClassArchive(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("app.jar");
        dev.procpool.testing.Jars.of(jar, Path.of(Workers.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
                Path.of(ProcessWorkerTest.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        List<String> classpath = new java.util.ArrayList<>(List.of(jar.toString()));
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (e.endsWith(".jar")) {
                classpath.add(e);
            }
        }
        Path cache = dir.resolve("cds");
        String before = System.setProperty("procpool.cds.dir", cache.toString());
        ConcurrentLinkedQueue<String> stderr = new ConcurrentLinkedQueue<>();
        try {
            WorkerOptions options = QUIET.toBuilder().classpath(classpath)
                    .output((name, source, line) -> stderr.add(line)).build();
            // JDK 25+: an AOT cache, recorded by the first worker and assembled in the background
            boolean aot = Runtime.version().feature() >= 25;
            Worker<Integer> first = startAndAwait(() -> 1, options);
            assertThat(first.result()).isEqualTo(1);
            assertThat(first.launchCommand().orElseThrow()).contains(aot ? "-XX:AOTMode=record" : "-XX:ArchiveClassesAtExit=");
            await("the archive, alone in its directory").atMost(Deadlines.LONG).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        try (var files = Files.list(cache)) {
                            return files.map(p -> p.getFileName().toString()).toList();
                        }
                    }, names -> names.size() == 1 && names.get(0).endsWith(aot ? ".aot" : ".jsa"));

            Worker<Integer> second = startAndAwait(() -> 2, options);

            assertThat(second.result()).isEqualTo(2);
            assertThat(second.launchCommand().orElseThrow())
                    .contains((aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + cache);
            assertThat(stderr).as("nothing about the archive reaches the user's output").isEmpty();
        } finally {
            if (before == null) {
                System.clearProperty("procpool.cds.dir");
            } else {
                System.setProperty("procpool.cds.dir", before);
            }
        }
    }

    @Test
    void aDirectoryOnTheClasspathMeansNoClassArchive() throws Exception {
        Worker<Integer> w = startAndAwait(() -> 1, QUIET.toBuilder()
                .classpath(List.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator)))
                .classpath(List.of(Path.of(Workers.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
                        Path.of(ProcessWorkerTest.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString()))
                .build());

        assertThat(w.result()).isEqualTo(1);
        assertThat(w.launchCommand().orElseThrow()).doesNotContain("SharedArchiveFile").doesNotContain("ArchiveClassesAtExit");
    }

    @Test
    void persistentWorkerPipelinesManyCallsInOrder() throws Exception {
        try (PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, (Integer x) -> x + 1, QUIET)) {
            int n = 50_000;
            for (int i = 0; i < n; i++) {
                w.enqueue(i);
            }
            for (int i = 0; i < n; i++) {
                assertThat(w.nextResult(Deadlines.LONG)).isEqualTo(i + 1);
            }
        }
    }

    @Test
    void largeValuesCrossInBothDirections() throws Exception {
        byte[] big = new byte[8 << 20];
        big[big.length - 1] = 7;
        try (PersistentWorker<byte[], byte[]> w = Workers.persistent(WorkerType.PROCESS, (byte[] b) -> {
            byte[] copy = b.clone();
            copy[0] = 1;
            return copy;
        }, QUIET)) {
            w.enqueue(big);
            byte[] back = w.nextResult(Deadlines.LONG);
            assertThat(back).hasSize(big.length);
            assertThat(back[0]).isEqualTo((byte) 1);
            assertThat(back[back.length - 1]).isEqualTo((byte) 7);
        }
    }

    @Test
    void workerDeathWhileItsCallerWaitsEndsTheWaitAtOnce() throws Exception {
        PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, (Integer x) -> {
            Thread.sleep(Long.MAX_VALUE);
            return x;
        }, QUIET);
        w.enqueue(1);
        await().atMost(Deadlines.LONG).until(() -> w.state() == WorkerState.RUNNING);
        long pid = w.pid();
        Thread killer = new Thread(() -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        killer.start();

        assertThatThrownBy(() -> w.nextResult(Deadlines.LONG)).isInstanceOf(WorkerDiedException.class);
        killer.join();
        assertThat(List.of(w.state())).containsExactly(WorkerState.DIED);
    }
}
