package dev.procpool.agents;

import dev.procpool.internal.protocol.FrameChannel;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Writes on a thread of its own: an agent's bursts of sends (so that a sender does not pay a
 * system call per message) and the supervisor's control frames (so that the supervising thread
 * never waits on a socket). One per agent link and one per supervisor; it ends with them.
 */
final class Flusher {
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final Thread thread;

    Flusher(String name) {
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    void flushLater(FrameChannel ch) {
        queue.add(ch::flush);
    }

    void later(Runnable write) {
        queue.add(write);
    }

    private void loop() {
        while (true) {
            Runnable write;
            try {
                write = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            write.run();
        }
    }

    void stop() {
        thread.interrupt();
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }
}
