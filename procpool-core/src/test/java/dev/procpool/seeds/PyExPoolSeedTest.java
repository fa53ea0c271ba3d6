package dev.procpool.seeds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.jobs.Job;
import dev.procpool.jobs.JobGroup;
import dev.procpool.jobs.JobHandle;
import dev.procpool.jobs.JobPool;
import dev.procpool.jobs.JobStatus;
import dev.procpool.jobs.Output;
import dev.procpool.testing.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** PyExPool's README examples written with procpool's jobs API; shown in docs/seeds.md. */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class PyExPoolSeedTest {
    @TempDir
    Path dir;

    @Test
    void usageExample() throws Exception {
        Files.createDirectory(dir.resolve("this_sub_dir"));
        Files.writeString(dir.resolve("this_sub_dir/NetShuffling.net"), "1 2\n2 3\n3 1\n");
        List<String> done = new CopyOnWriteArrayList<>();
        // tag::usage[]
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
            // end::usage[]
            assertThat(finished).isTrue();
            assertThat(shuffling.future().join().status()).isEqualTo(JobStatus.SUCCEEDED);
        }
        assertThat(done).containsExactly("NetShuffling");
        assertThat(dir.resolve("this_sub_dir/NetShuffling.5.net")).exists();
    }

    @Test
    void tasksAreJobGroups() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        try (JobPool execpool = JobPool.builder().slots(2).build()) {
            // tag::task[]
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
            // end::task[]
            assertThat(task.succeeded()).isTrue();
        }
        assertThat(events).containsExactly("started shuffles", "done shuffles");
    }

    @Test
    void failoverExample() throws Exception {
        // tag::failover[]
        // No signal handlers are needed: however this JVM ends (SIGTERM, SIGINT, SIGHUP, System.exit,
        // a crash, even SIGKILL), procpool's reaper process kills every job it started and their
        // children within milliseconds. To stop everything explicitly:
        JobPool execpool = JobPool.builder().slots(2).build();
        JobHandle endless = execpool.submit(Job.builder("sleep", "600").build());
        List<Job> neverStarted = execpool.shutdownNow();  // kills running jobs' process trees
        // end::failover[]
        assertThat(neverStarted.size()).isLessThanOrEqualTo(1);  // queued or already started
        assertThat(endless.future().join().status()).isEqualTo(JobStatus.CANCELLED);
        execpool.close();
    }
}
