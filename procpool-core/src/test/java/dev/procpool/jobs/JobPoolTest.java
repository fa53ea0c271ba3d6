package dev.procpool.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.WorkerType;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs API with real processes: outcomes, output destinations, callbacks, timeouts that kill
 * whole trees (also grandchildren re-parented to init), restarts, groups, cancel and join.
 * One pool serves the whole class, so its job hosts start once; each kind of host runs every test
 * (the subclasses).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
abstract class JobPoolTest {
    private JobPool pool;

    @TempDir
    Path dir;

    /** The kind of job host under test. */
    abstract WorkerType hosts();

    @BeforeAll
    void startPool() throws Exception {
        pool = JobPool.builder().name("test-jobs").slots(2).grace(Duration.ofMillis(300)).hosts(hosts()).build();
    }

    @AfterAll
    void closePool() {
        pool.close();
        new LeakCheck().afterEach(null);
    }

    private static Job.Builder sh(String script) {
        return Job.builder("sh", "-c", script);
    }

    @Test
    void aSucceedingJobHasItsPipedOutputExitCodeTimesAndCallbacksOnTheJobThread() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        JobResult r = pool.run(sh("echo out; echo err >&2").name("hello")
                .stdout(Output.pipe()).stderr(Output.pipe()).param("n", 7)
                .onStart(h -> events.add("start " + h.job().name() + " " + Thread.currentThread().getName()))
                .onDone(res -> events.add("done " + res.job().params().get("n") + " " + Thread.currentThread().getName()))
                .build());

        assertThat(r.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(r.exitCode()).isZero();
        assertThat(r.signal()).isEmpty();
        assertThat(r.stdoutText()).isEqualTo("out\n");
        assertThat(r.stderrText()).isEqualTo("err\n");
        assertThat(r.start()).isPresent();
        assertThat(r.stop().get()).isAfterOrEqualTo(r.start().get());
        await().atMost(Deadlines.SHORT).until(() -> events.size() == 2);
        assertThat(events).containsExactly("start hello procpool-jobs-test-jobs", "done 7 procpool-jobs-test-jobs");
    }

    @Test
    void aFailingJobReportsItsExitCodeAndGetsNoOnDone() throws Exception {
        AtomicInteger done = new AtomicInteger();
        JobResult r = pool.run(sh("exit 3").onDone(x -> done.incrementAndGet()).build());

        assertThat(r.status()).isEqualTo(JobStatus.FAILED);
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(done).hasValue(0);
    }

    @Test
    void aJobKilledByASignalNamesIt() throws Exception {
        JobResult r = pool.run(sh("kill -KILL $$").build());

        assertThat(r.status()).isEqualTo(JobStatus.FAILED);
        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(r.signal()).contains("SIGKILL");
    }

    @Test
    void aMissingProgramFailsToStartWithTheReason() throws Exception {
        JobResult r = pool.run(Job.builder("/no/such/program").build());

        assertThat(r.status()).isEqualTo(JobStatus.START_FAILED);
        assertThat(r.error()).get().asString().contains("/no/such/program");
    }

    @Test
    void workingDirectoryEnvironmentAndAppendedFileOutput() throws Exception {
        Path out = dir.resolve("out.txt");
        Files.writeString(out, "before\n");
        Files.createDirectory(dir.resolve("sub"));

        JobResult r = pool.run(sh("pwd; echo $GREETING; echo oops >&2").workingDirectory(dir.resolve("sub"))
                .environment("GREETING", "hi").stdout(Output.appendTo(out)).stderr(Output.toStdout()).build());

        assertThat(r.succeeded()).isTrue();
        assertThat(Files.readString(out)).isEqualTo("before\n" + dir.resolve("sub").toRealPath() + "\nhi\noops\n");
    }

    @Test
    void aCallbacksOnlyJobSucceedsWithoutAProcess() throws Exception {
        AtomicInteger done = new AtomicInteger();
        JobResult r = pool.run(Job.builder().name("stub").onDone(x -> done.incrementAndGet()).build());

        assertThat(r.succeeded()).isTrue();
        assertThat(r.attempts()).isZero();
        await().atMost(Deadlines.SHORT).until(() -> done.get() == 1);
    }

    @Test
    void aTimeoutKillsAProgramThatIgnoresSigterm() throws Exception {
        Path pidFile = dir.resolve("pid");
        JobHandle h = pool.submit(sh("trap '' TERM; echo $$ > " + pidFile + "; sleep 60; sleep 60")
                .timeout(Duration.ofMillis(500)).build());

        JobResult r = h.await(Deadlines.LONG);

        assertThat(r.status()).isEqualTo(JobStatus.TIMED_OUT);
        assertThat(r.signal()).contains("SIGKILL");
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(LeakCheck.isRunning(Long.parseLong(Files.readString(pidFile).strip()))).isFalse();
    }

    @Test
    void aTimeoutKillsTheWholeTreeIncludingAGrandchildReparentedToInit() throws Exception {
        Path pids = dir.resolve("pids");
        // a child in the background, and a grandchild whose parent exits at once (it goes to init)
        JobHandle h = pool.submit(sh("sleep 60 & echo $! >> " + pids + "; sh -c 'sleep 60 & echo $! >> " + pids
                + "'; echo $$ >> " + pids + "; wait").timeout(Duration.ofSeconds(2)).build());
        await().atMost(Deadlines.LONG).until(() -> Files.exists(pids) && Files.readAllLines(pids).size() == 3);
        List<Long> all = longs(pids);
        assertThat(all).allMatch(LeakCheck::isRunning);
        long escaped = all.get(1);
        assertThat(ProcessHandle.of(escaped).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
                .isNotEqualTo(ProcessHandle.of(all.get(2)).map(ProcessHandle::pid));

        JobResult r = h.await(Deadlines.LONG);

        assertThat(r.status()).isEqualTo(JobStatus.TIMED_OUT);
        await().atMost(Deadlines.SHORT).until(() -> all.stream().noneMatch(LeakCheck::isRunning));
    }

    @Test
    void aTimedOutJobIsRestartedUpToItsLimit() throws Exception {
        JobResult always = pool.run(sh("sleep 60").timeout(Duration.ofMillis(200)).restartsOnTimeout(2).build());
        assertThat(always.status()).isEqualTo(JobStatus.TIMED_OUT);
        assertThat(always.attempts()).isEqualTo(3);

        Path mark = dir.resolve("mark");
        JobResult second = pool.run(sh("[ -e " + mark + " ] && exit 0; touch " + mark + "; sleep 60")
                .timeout(Duration.ofMillis(300)).restartsOnTimeout(3).build());
        assertThat(second.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(second.attempts()).isEqualTo(2);
    }

    @Test
    void aGroupCallsOnDoneOnceWhenAllItsJobsSucceeded() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        JobGroup good = JobGroup.builder("good").onStart(g -> events.add("start " + g.name()))
                .onDone(g -> events.add("done " + g.name())).build();
        JobGroup bad = JobGroup.builder("bad").onDone(g -> events.add("done " + g.name())).build();
        List<JobHandle> hs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            hs.add(pool.submit(Job.builder("true").group(good).build()));
        }
        hs.add(pool.submit(Job.builder("true").group(bad).build()));
        hs.add(pool.submit(Job.builder("false").group(bad).build()));
        for (JobHandle h : hs) {
            h.await(Deadlines.LONG);
        }

        assertThat(events).containsExactly("start good", "done good");
        assertThat(good.succeeded()).isTrue();
        assertThat(bad.succeeded()).isFalse();
        assertThat(good.jobs()).hasSize(3).allMatch(h -> h.job().group().orElseThrow() == good);
        assertThat(good.stop().get()).isAfterOrEqualTo(good.start().get());
    }

    @Test
    void aGroupTimeoutKillsItsRunningJobsAndDropsItsQueuedOnes() throws Exception {
        JobGroup g = JobGroup.builder("slow").timeout(Duration.ofMillis(500)).build();
        List<JobHandle> hs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            hs.add(pool.submit(Job.builder("sleep", "60").group(g).build()));
        }
        for (JobHandle h : hs) {
            assertThat(h.await(Deadlines.LONG).status()).isEqualTo(JobStatus.TIMED_OUT);
        }
        assertThat(g.timedOut()).isTrue();
        assertThat(hs.get(3).future().join().start()).isEmpty();
    }

    @Test
    void cancelKillsARunningJobAndDropsAQueuedOne() throws Exception {
        Path pidFile = dir.resolve("pid");
        JobHandle running = pool.submit(sh("echo $$ > " + pidFile + "; exec sleep 60").build());
        JobHandle blocker = pool.submit(Job.builder("sleep", "60").build());
        JobHandle queued = pool.submit(Job.builder("true").build());
        await().atMost(Deadlines.LONG).until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());

        assertThat(queued.cancel()).isTrue();
        assertThat(running.cancel()).isTrue();
        assertThat(blocker.cancel()).isTrue();

        assertThat(queued.await(Deadlines.LONG).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(running.await(Deadlines.LONG).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(blocker.await(Deadlines.LONG).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(running.cancel()).isFalse();
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        await().atMost(Deadlines.SHORT).until(() -> !LeakCheck.isRunning(pid));
    }

    @Test
    void joinWithADeadlineTerminatesTheRestAndSaysSo() throws Exception {
        try (JobPool own = JobPool.builder().name("join").slots(2).build()) {
            JobHandle quick = own.submit(Job.builder("true").build());
            List<JobHandle> slow = List.of(own.submit(Job.builder("sleep", "60").build()),
                    own.submit(Job.builder("sleep", "60").build()), own.submit(Job.builder("sleep", "60").build()));
            assertThat(quick.await(Deadlines.LONG).succeeded()).isTrue();

            assertThat(own.join(Duration.ofMillis(300))).isFalse();

            assertThat(slow).allMatch(h -> h.future().join().status() == JobStatus.CANCELLED);
            assertThat(own.join(Duration.ofSeconds(1))).isTrue();
        }
    }

    private static List<Long> longs(Path file) throws IOException {
        return Files.readAllLines(file).stream().map(String::strip).map(Long::valueOf).toList();
    }
}
