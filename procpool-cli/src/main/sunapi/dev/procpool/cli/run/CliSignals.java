package dev.procpool.cli.run;

/**
 * The CLI's one use of {@code sun.misc.Signal}: Ctrl-C must end {@code procpool run} with GNU
 * parallel's status 255 after the jobs' process trees are killed, and the JDK has no supported API
 * to replace the default SIGINT handling (a shutdown hook cannot choose the exit status). It lives
 * in a source root of its own, compiled without {@code -Werror}, because javac warns about every
 * use of that class and nothing silences it.
 */
final class CliSignals {
    private CliSignals() {
    }

    /**
     * Runs {@code action} on the JVM's signal thread when SIGINT arrives, instead of exiting.
     *
     * @throws IllegalArgumentException if this JVM does not let SIGINT be handled (e.g. under {@code -Xrs})
     */
    static void onInterrupt(Runnable action) {
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> action.run());
    }
}
