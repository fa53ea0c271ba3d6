package demo.seeds;

// tag::imports[]
import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.jobs.Job;
import dev.procpool.jobs.JobGroup;
import dev.procpool.jobs.JobHandle;
import dev.procpool.jobs.JobPool;
import dev.procpool.jobs.JobStatus;
import dev.procpool.jobs.Output;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
// end::imports[]
import dev.procpool.jobs.JobResult;
import dev.procpool.testing.LeakCheck;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PyExPool's README examples written with procpool's jobs API. Each tagged region is shown verbatim
 * in {@code docs/seeds.md} (checked by {@link SeedDocSyncTest}).
 */
@Tag("jvm")
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class PyExPoolSeedTest {
    // tag::usage[]
    @Test
    void usageExample(@TempDir Path dir) throws Exception {
        // the network to shuffle: dir/this_sub_dir/NetShuffling.net
        Files.createDirectory(dir.resolve("this_sub_dir"));
        Files.writeString(dir.resolve("this_sub_dir/NetShuffling.net"), "1 2\n2 3\n3 1\n");
        List<String> done = new CopyOnWriteArrayList<>();

        // 1. Create the execution pool
        try (JobPool execpool = JobPool.builder()
                .slots(Math.max(Runtime.getRuntime().availableProcessors() - 1, 1)).build()) {
            Duration globalTimeout = Duration.ofMinutes(30);  // to run all scheduled jobs or kill them

            // 2.a An external executable: "ls -la"
            execpool.submit(Job.builder("ls", "-la").name("list_dir").stdout(Output.discard()).build());

            // 2.b A job with a working directory, a timeout and a callback: shuffle a network 5 times
            String jobname = "NetShuffling";
            JobHandle shuffling = execpool.submit(Job.builder("sh", "-c",
                            "for i in 1 2 3 4 5; do [ -e " + jobname + ".$i.net ] || sort -R "
                            + jobname + ".net -o " + jobname + ".$i.net; done")
                    .name(jobname).workingDirectory(dir.resolve("this_sub_dir"))
                    .timeout(Duration.ofMinutes(3))
                    .onDone(result -> done.add(result.job().name()))  // in the controller, on success only
                    .build());

            // 3. Wait for the jobs for the global timeout at most: false if the rest was killed
            boolean finished = execpool.join(globalTimeout);
            assertThat(finished).isTrue();
            assertThat(shuffling.future().join().status()).isEqualTo(JobStatus.SUCCEEDED);
        }
        assertThat(done).containsExactly("NetShuffling");
        assertThat(dir.resolve("this_sub_dir/NetShuffling.5.net")).exists();
    }
    // end::usage[]

    // tag::task[]
    @Test
    void tasksAreJobGroups() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        try (JobPool execpool = JobPool.builder().slots(2).build()) {
            // PyExPool's Task is a JobGroup: its own timeout, onStart, and onDone once all its jobs succeeded
            JobGroup task = JobGroup.builder("shuffles").timeout(Duration.ofMinutes(10))
                    .onStart(g -> events.add("started " + g.name()))
                    .onDone(g -> events.add("done " + g.name()))
                    .build();
            for (int i = 1; i <= 3; i++) {
                execpool.submit(Job.builder("sh", "-c", "echo " + i).group(task).param("i", i)
                        .stdout(Output.pipe()).build());
            }
            execpool.join();
            assertThat(task.succeeded()).isTrue();
        }
        assertThat(events).containsExactly("started shuffles", "done shuffles");
    }
    // end::task[]

    // tag::failover[]
    @Test
    void failoverExample() throws Exception {
        // No signal handlers are needed: however this JVM ends (SIGTERM, SIGINT, SIGHUP, System.exit,
        // a crash, even SIGKILL), procpool's reaper process kills every job it started and their
        // children within milliseconds. To stop everything explicitly:
        JobPool execpool = JobPool.builder().slots(2).build();
        JobHandle endless = execpool.submit(Job.builder("sleep", "600").build());
        List<Job> neverStarted = execpool.shutdownNow();  // kills running jobs' process trees

        assertThat(neverStarted.size()).isLessThanOrEqualTo(1);  // queued, or already started
        assertThat(endless.future().join().status()).isEqualTo(JobStatus.CANCELLED);
        execpool.close();
    }
    // end::failover[]

    @Test
    void aStartDelayHoldsTheSlotBeforeTheProcessStarts() throws Exception {
        Duration delay = Duration.ofMillis(300);
        try (JobPool pool = JobPool.builder().slots(1).build()) {
            Instant submitted = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            JobHandle delayed = pool.submit(Job.builder("true").startDelay(delay).build());
            JobHandle next = pool.submit(Job.builder("true").build());
            JobResult first = delayed.future().join();
            JobResult second = next.future().join();
            assertThat(first.status()).isEqualTo(JobStatus.SUCCEEDED);
            // the process starts after the delay, and the delay holds the only slot
            assertThat(first.start().orElseThrow()).isAfterOrEqualTo(submitted.plus(delay));
            assertThat(second.start().orElseThrow()).isAfterOrEqualTo(submitted.plus(delay));
        }
    }

    @Test
    void aTasksParamsReachItsCallbacks() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (JobPool pool = JobPool.builder().slots(2).build()) {
            JobGroup task = JobGroup.builder("net").param("network", "karate")
                    .onDone(g -> seen.add(g.name() + " " + g.params().get("network"))).build();
            pool.submit(Job.builder("true").group(task).param("i", 1)
                    .onDone(r -> seen.add("job " + r.job().params().get("i"))).build());
            pool.join();
        }
        assertThat(seen).containsExactly("job 1", "net karate");
    }
}
