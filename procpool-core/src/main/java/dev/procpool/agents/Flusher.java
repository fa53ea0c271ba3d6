package dev.procpool.agents;

import dev.procpool.internal.protocol.FrameChannel;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Writes channels whose frames come in a burst on a thread of its own, so that a sender does not
 * pay a system call per message (see {@link FrameChannel#flushSoon}). One per agent link and one
 * per supervisor; it ends with them.
 */
final class Flusher {
    private final LinkedBlockingQueue<FrameChannel> queue = new LinkedBlockingQueue<>();
    private final Thread thread;

    Flusher(String name) {
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    void flushLater(FrameChannel ch) {
        queue.add(ch);
    }

    private void loop() {
        while (true) {
            FrameChannel ch;
            try {
                ch = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            ch.flushQueued();
        }
    }

    void stop() {
        thread.interrupt();
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }
}
