package dev.procpool.internal;

/** Signal names for exit codes, as a shell reports them (Linux numbering). */
public final class Signals {
    private static final String[] NAMES = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"
    };

    private Signals() {
    }

    /**
     * The signal behind a process exit code, or null. The JDK reports a process ended by signal N
     * as exit code 128 + N, like a shell.
     */
    static String fromExitCode(int exitCode) {
        int n = exitCode - 128;
        if (n <= 0 || n > 64) {
            return null;
        }
        String name = name(n);
        return name != null ? name : "SIGRT" + n;
    }

    /** The name of signal {@code n} (1 to 31), or null. */
    public static String name(int n) {
        return n > 0 && n < NAMES.length ? NAMES[n] : null;
    }
}
