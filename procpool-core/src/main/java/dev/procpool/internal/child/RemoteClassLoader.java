package dev.procpool.internal.child;

import dev.procpool.internal.protocol.FrameChannel;
import dev.procpool.internal.protocol.Frames;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Remote class loading in a worker started by a worker-server: a class neither the JDK nor the
 * server's classpath has is asked from the controller (CLASS_REQUEST, answered by CLASS_BYTES on
 * the reader thread) and defined here. Parent first, so the server's own classes always win.
 * Classes that the first lookup did not find are remembered as missing.
 */
final class RemoteClassLoader extends ClassLoader {
    static {
        registerAsParallelCapable();
    }

    private static final long WAIT_SECONDS = 60;
    private final FrameChannel channel;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
    private final Map<String, Boolean> missing = new ConcurrentHashMap<>();

    RemoteClassLoader(ClassLoader parent, FrameChannel channel) {
        super("procpool-remote", parent);
        this.channel = channel;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        if (missing.containsKey(name) || name.startsWith("java.")) {
            throw new ClassNotFoundException(name);
        }
        long id = ids.incrementAndGet();
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        pending.put(id, answer);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        channel.send(Frames.CLASS_REQUEST, id, n, 0, n.length, true);
        byte[] bytes;
        try {
            bytes = answer.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClassNotFoundException(name + " (interrupted while loading it from the controller)");
        } catch (ExecutionException | TimeoutException e) {
            throw new ClassNotFoundException(name + " (the controller did not send it within " + WAIT_SECONDS + " s)");
        } finally {
            pending.remove(id);
        }
        if (bytes.length == 0) {
            missing.put(name, Boolean.TRUE);
            throw new ClassNotFoundException(name + " (not on the worker-server's classpath, nor on the controller's)");
        }
        return defineClass(name, bytes, 0, bytes.length);
    }

    /** The reader thread's side: an answer arrived. */
    void deliver(long id, byte[] bytes) {
        CompletableFuture<byte[]> f = pending.get(id);
        if (f != null) {
            f.complete(bytes);
        }
    }
}
