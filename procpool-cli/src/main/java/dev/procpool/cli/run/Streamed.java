package dev.procpool.cli.run;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Input that arrives while jobs run (stdin records, or {@code --pipe} blocks): a reader thread
 * hands out records as they come. Every method but {@link #start} is called with the run's lock held.
 */
interface Streamed {
    void start(InputStream in);

    /** How many records are ready now. */
    int ready();

    /** The next record; only when {@link #ready()} is positive. */
    List<String> next();

    /** Whether every record has been read and handed out. */
    boolean exhausted();

    /** Whether the end of the input has been read. */
    boolean eof();

    /** Why reading stopped early, if it did. */
    IOException failure();
}
