package dev.procpool.testing;

import dev.procpool.Task;
import dev.procpool.TaskFunction;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The misbehaving test worker: tasks that exit, hang, spin, ignore signals, run out of heap,
 * flood their output or poison the channel, each as a serializable {@link Task} so it runs in any
 * kind of worker. A spinning task in a thread worker cannot be killed, so spinners also watch
 * {@link #releaseAll()}, which the leak check calls after every test.
 */
public final class Misbehave {
    private static volatile int generation;
    /** What tasks keep reachable on purpose (to grow a worker's memory). */
    public static final List<Object> RETAINED = new java.util.concurrent.CopyOnWriteArrayList<>();

    private Misbehave() {
    }

    /** Lets every spinner of this JVM (thread workers) end; new spinners spin again. */
    public static void releaseAll() {
        generation++;
    }

    public static <R> Task<R> exitWith(int code) {
        return () -> {
            System.err.println("about to exit with " + code);
            System.exit(code);
            return null;
        };
    }

    public static <R> Task<R> halt(int code) {
        return () -> {
            System.err.println("about to halt with " + code);
            Runtime.getRuntime().halt(code);
            return null;
        };
    }

    /** Sleeps until interrupted; answers "interrupted" then. */
    public static Task<String> hang() {
        return () -> {
            Thread.sleep(Long.MAX_VALUE);
            return "woke up";
        };
    }

    /** Spins without ever looking at the interrupt flag. */
    public static Task<String> spinIgnoringInterrupts() {
        return () -> {
            spin();
            return "released";
        };
    }

    /** Makes the JVM ignore SIGTERM, then spins. Only for process workers. */
    public static Task<String> ignoreSigtermAndSpin() {
        return () -> {
            dev.procpool.internal.OsSignals.handle("TERM", () -> System.err.println("ignoring SIGTERM"));
            System.err.println("SIGTERM is ignored now");
            spin();
            return "released";
        };
    }

    private static void spin() {
        int gen = generation;
        long x = 0;
        while (gen == generation) {
            x++;
            Thread.interrupted(); // swallow interrupts on purpose
        }
        if (x == 42) {
            System.out.print("");
        }
    }

    /** Blocks in native code (opening a FIFO nobody writes to); interrupts cannot reach it. */
    public static Task<String> blockInNative(String fifoPath) {
        return () -> {
            try (FileInputStream in = new FileInputStream(fifoPath)) {
                return "read " + in.read();
            }
        };
    }

    /** Writes to address 0: the JVM dies of SIGSEGV and aborts with its crash report. */
    public static Task<Object> crashTheJvm() {
        return () -> {
            Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            unsafe.getClass().getMethod("putAddress", long.class, long.class).invoke(unsafe, 0L, 42L);
            return "survived";
        };
    }

    /** Allocates until the heap is gone, keeping everything reachable. */
    public static Task<Integer> exhaustHeap() {
        return () -> {
            List<long[]> hog = new ArrayList<>();
            while (true) {
                hog.add(new long[1 << 20]);
            }
        };
    }

    /** Writes {@code lines} lines to stdout as fast as it can, then answers the count. */
    public static Task<Integer> floodStdout(int lines) {
        return () -> {
            for (int i = 0; i < lines; i++) {
                System.out.println("flood line " + i);
            }
            return lines;
        };
    }

    /** Writes bytes that are not a frame straight onto the worker's control socket. */
    public static Task<String> garbageOnChannel() {
        return () -> {
            Class<?> child = Class.forName("dev.procpool.internal.child.ChildMain");
            Field chField = child.getDeclaredField("channel");
            chField.setAccessible(true);
            Object frameChannel = chField.get(null);
            Field io = frameChannel.getClass().getDeclaredField("channel");
            io.setAccessible(true);
            // the task may run (from the stdin preload) before the worker's handshake is done
            Field writable = frameChannel.getClass().getDeclaredField("writable");
            writable.setAccessible(true);
            long deadline = System.nanoTime() + Deadlines.LONG.toNanos();
            while ((io.get(frameChannel) == null || !writable.getBoolean(frameChannel)) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            Object streamIo = io.get(frameChannel);
            Field out = streamIo.getClass().getDeclaredField("out");
            out.setAccessible(true);
            OutputStream raw = (OutputStream) out.get(streamIo);
            raw.write("this is not a frame, just garbage\n".getBytes());
            raw.flush();
            Thread.sleep(Long.MAX_VALUE);
            return "unreachable";
        };
    }

    /** A function that fails for odd arguments and squares even ones. */
    public static TaskFunction<Integer, Integer> failOnOdd() {
        return x -> {
            if (x % 2 != 0) {
                throw new IllegalArgumentException("odd: " + x);
            }
            return x * x;
        };
    }

    /** An exception whose class cannot be serialized (it holds a thread). */
    public static final class UnserializableException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        @SuppressWarnings("unused")
        private final transient Object ok = null;
        private final Thread notSerializable = Thread.currentThread();

        public UnserializableException(String message, Throwable cause) {
            super(message, cause);
        }

        Thread thread() {
            return notSerializable;
        }
    }

    /** Not serializable. */
    public static final class Opaque {
        @Override
        public String toString() {
            return "opaque";
        }
    }

    /** Serializable, but fails when written. */
    public static final class ExplodesWhenWritten implements Serializable {
        private static final long serialVersionUID = 1L;

        private void writeObject(ObjectOutputStream out) throws IOException {
            throw new NotSerializableException(Opaque.class.getName());
        }
    }
}
