package dev.procpool.testing;

import dev.procpool.OutputHandler;
import dev.procpool.PersistentWorker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A controller JVM for the cleanup tests: starts process workers, each of which starts a
 * {@code sleep} grandchild, prints {@code PIDS ...} and {@code READY}, waits for a line on stdin,
 * then ends the way its
 * argument says: {@code wait} (until a signal comes), {@code exit} ({@code System.exit}) or
 * {@code return} (main returns).
 */
public final class ControllerMain {
    private ControllerMain() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int workers = Integer.parseInt(args[1]);
        WorkerOptions options = WorkerOptions.builder().output(OutputHandler.discard()).build();
        List<Long> pids = new ArrayList<>();
        List<PersistentWorker<String, Long>> started = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            PersistentWorker<String, Long> w = Workers.persistent(WorkerType.PROCESS,
                    (String cmd) -> new ProcessBuilder(cmd, "600").start().pid(), options);
            w.enqueue("sleep");
            pids.add(w.pid());
            pids.add(w.nextResult(Duration.ofSeconds(60)));
            started.add(w);
        }
        StringBuilder line = new StringBuilder("PIDS");
        for (long p : pids) {
            line.append(' ').append(p);
        }
        System.out.println(line);
        System.out.println("READY");
        System.out.flush();
        // the test checks that everything runs, then says go
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        switch (mode) {
            case "wait" -> {
                while (true) {
                    Thread.sleep(60_000);
                }
            }
            case "exit" -> System.exit(0);
            case "return" -> {
                // main returns; the workers' threads are daemons, so the JVM exits and runs its hooks
            }
            default -> throw new IllegalArgumentException(mode);
        }
    }
}
