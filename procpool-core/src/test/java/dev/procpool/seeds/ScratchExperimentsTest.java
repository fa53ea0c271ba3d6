package dev.procpool.seeds;

import dev.procpool.*;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(LeakCheck.class)
class ScratchExperimentsTest {
    static final WorkerOptions QUIET = WorkerOptions.builder().output(OutputHandler.discard()).build();

    static String gated(String dir, String name) throws Exception {
        Files.createFile(Path.of(dir, "started-" + name));
        while (!Files.exists(Path.of(dir, "gate"))) {
            Thread.sleep(5);
        }
        return name;
    }

    static long started(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("started-")).count();
        }
    }

    @Test
    void growth(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = Pool.create(PoolOptions.builder().minWorkers(0).maxWorkers(2).workerOptions(QUIET).build())) {
            List<TaskHandle<String>> hs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String n = "t" + i;
                hs.add(pool.submit(() -> gated(d, n)));
            }
            long t0 = System.nanoTime();
            while (started(dir) < 2 && System.nanoTime() - t0 < 8_000_000_000L) {
                Thread.sleep(50);
            }
            System.out.println("GROWTH: started=" + started(dir) + " stats=" + pool.stats()
                    + " states=" + hs.stream().map(TaskHandle::state).toList());
            Files.createFile(dir.resolve("gate"));
            for (var h : hs) h.future().get();
        }
    }

    @Test
    void growthMin1(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = Pool.create(PoolOptions.builder().minWorkers(1).maxWorkers(2).workerOptions(QUIET).build())) {
            org.awaitility.Awaitility.await().atMost(Deadlines.LONG).until(pool::hasFreeSlots);
            Thread.sleep(1000);
            List<TaskHandle<String>> hs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String n = "t" + i;
                hs.add(pool.submit(() -> gated(d, n)));
            }
            long t0 = System.nanoTime();
            while (started(dir) < 2 && System.nanoTime() - t0 < 8_000_000_000L) {
                Thread.sleep(50);
            }
            System.out.println("GROWTH1: started=" + started(dir) + " stats=" + pool.stats()
                    + " states=" + hs.stream().map(TaskHandle::state).toList());
            Files.createFile(dir.resolve("gate"));
            for (var h : hs) h.future().get();
        }
    }

    @Test
    void shutdownClear(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        Pool pool = Pool.create(PoolOptions.builder().maxWorkers(1).workerOptions(QUIET).build());
        Batch<String> b = pool.submitBatch(List.of(() -> gated(d, "a"), () -> "b"));
        org.awaitility.Awaitility.await().atMost(Deadlines.LONG).until(() -> started(dir) == 1);
        pool.shutdownClear();
        Files.createFile(dir.resolve("gate"));
        System.out.println("CLEAR: terminated=" + pool.awaitTermination(Deadlines.LONG) + " fetch=" + pool.fetchResults());
        pool.close();
    }

    @Test
    void isFull(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = Pool.create(PoolOptions.builder().maxWorkers(1).queueCapacity(1)
                .rejectionPolicy(RejectionPolicy.ABORT).workerOptions(QUIET).build())) {
            int n = 0;
            try {
                while (n < 100) {
                    String name = "t" + n;
                    pool.submit(() -> gated(d, name));
                    n++;
                    System.out.println("FULL: after " + n + " isFull=" + pool.isFull() + " free=" + pool.hasFreeSlots() + " " + pool.stats());
                }
            } catch (TaskRejectedException e) {
                System.out.println("FULL: rejected after " + n + ": " + e.getMessage());
            }
            Files.createFile(dir.resolve("gate"));
        }
    }

    @Test
    void persistentRestart() throws Exception {
        try (PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, (Integer x) -> x * x, QUIET)) {
            w.enqueue(2); w.enqueue(3);
            System.out.println("PR: " + w.nextResult(Deadlines.LONG) + " " + w.nextResult(Deadlines.LONG));
            long pid = w.pid();
            w.restart();
            System.out.println("PR: restarted pid " + pid + " -> " + w.pid() + " state " + w.state());
            w.enqueue(4);
            w.endInput();
            System.out.println("PR: " + w.results().toList());
            w.await(Deadlines.LONG);
            System.out.println("PR: result " + w.result() + " state " + w.state());
        }
    }

    @Test
    void burst(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = Pool.create(PoolOptions.builder().maxWorkers(4).workerOptions(QUIET).build())) {
            List<TaskHandle<String>> hs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String n = "t" + i;
                hs.add(pool.submit(() -> gated(d, n)));
            }
            long t0 = System.nanoTime();
            while (started(dir) < 4 && System.nanoTime() - t0 < 5_000_000_000L) {
                Thread.sleep(50);
            }
            System.out.println("BURST: started=" + started(dir) + " stats=" + pool.stats());
            Files.createFile(dir.resolve("gate"));
            for (var h : hs) h.future().get();
        }
    }

    @Test
    void shutdownNowPipelined(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = Pool.create(PoolOptions.builder().minWorkers(1).maxWorkers(1).grace(Duration.ofMillis(200)).workerOptions(QUIET).build())) {
            org.awaitility.Awaitility.await().atMost(Deadlines.LONG).until(pool::hasFreeSlots);
            TaskHandle<String> a = pool.submit(() -> gated(d, "a"));
            TaskHandle<String> b = pool.submit(() -> "b never started");
            org.awaitility.Awaitility.await().atMost(Deadlines.LONG).until(() -> started(dir) == 1);
            System.out.println("NOW: before b=" + b.state());
            List<Task<?>> never = pool.shutdownNow();
            System.out.println("NOW: returned " + never.size() + " a=" + a.state() + " b=" + b.state());
        }
    }

    @Test
    void headOfLine(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = Pool.create(PoolOptions.builder().minWorkers(2).maxWorkers(2).workerOptions(QUIET).build())) {
            org.awaitility.Awaitility.await().atMost(Deadlines.LONG).until(() -> pool.hasFreeSlots() && pool.stats().workersAlive() == 2);
            Thread.sleep(500);
            TaskHandle<String> slow = pool.submit(() -> gated(d, "slow"));
            List<TaskHandle<String>> quick = new ArrayList<>();
            for (int i = 0; i < 4; i++) { int k = i; quick.add(pool.submit(() -> "q" + k)); }
            Thread.sleep(2000);
            System.out.println("HOL: " + quick.stream().map(h -> h.state().toString()).toList() + " " + pool.stats());
            Files.createFile(dir.resolve("gate"));
            slow.future().get();
        }
    }
}
