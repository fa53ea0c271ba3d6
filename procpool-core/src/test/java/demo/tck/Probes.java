package demo.tck;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Serializable tasks for the contract tests: they must run the same on a thread, in a child JVM
 * and on a remote worker, so they signal through files (the one thing every kind shares), never
 * through objects of the test JVM.
 */
final class Probes {
    private Probes() {
    }

    /** Returns its value. */
    record Value<T extends Serializable>(T value) implements Callable<T>, Serializable {
        @Override
        public T call() {
            return value;
        }
    }

    /** The task's own failure, of a class that travels. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** Throws {@link Refused}. */
    record Throws(String message) implements Callable<String>, Serializable {
        @Override
        public String call() throws Refused {
            throw new Refused(message);
        }
    }

    /** Throws an ArithmeticException, as the JSR-166 tests' failing callable does. */
    record Divides() implements Callable<Integer>, Serializable {
        @Override
        public Integer call() {
            int zero = 0;
            return 1 / zero;
        }
    }

    /** Creates a file: proof that it ran, wherever it ran. */
    record Touch(String path) implements Runnable, Callable<String>, Serializable {
        @Override
        public void run() {
            try {
                Files.writeString(Path.of(path), "ran");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String call() {
            run();
            return "touched";
        }
    }

    /**
     * Writes its pid to {@code started}, then waits (interruptibly) for {@code release} to exist;
     * if interrupted it writes {@code started + ".interrupted"} and rethrows.
     */
    record Blocker(String started, String release) implements Callable<String>, Serializable {
        @Override
        public String call() throws Exception {
            writeAtomically(started, Long.toString(ProcessHandle.current().pid()));
            try {
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (!Files.exists(Path.of(release))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("never released");
                    }
                    Thread.sleep(5);
                }
                return "released";
            } catch (InterruptedException e) {
                Files.writeString(Path.of(started + ".interrupted"), "yes");
                throw e;
            }
        }
    }

    /** Writes a file that appears whole: a reader never sees it created but still empty. */
    static void writeAtomically(String path, String content) throws IOException {
        Path tmp = Path.of(path + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, Path.of(path), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** A file name under {@code dir}. */
    static String file(Path dir, String name) {
        return dir.resolve(name).toString();
    }

    /** The pid a {@link Blocker} wrote, once it started. */
    static long pidIn(String started) throws IOException {
        return Long.parseLong(Files.readString(Path.of(started)).trim());
    }
}
