package dev.procpool.internal;

/**
 * Where {@link dev.procpool.WorkerContext} looks: a thread worker's task thread carries its
 * worker's identity and state in a thread-local; a process worker's identity is on its command
 * line and its state in this JVM's one {@link StateBox}.
 */
public final class CurrentWorker {
    /** System property with the worker's name, set on a process worker's command line. */
    public static final String NAME_PROPERTY = "procpool.worker";
    /** System property with a pool worker's index. */
    public static final String POOL_INDEX_PROPERTY = "procpool.pool.index";

    private static final ThreadLocal<Identity> THREAD = new ThreadLocal<>();
    /** A process worker's state: one worker per JVM. */
    private static final StateBox PROCESS_STATE = new StateBox(null, false);

    private CurrentWorker() {
    }

    static void setForThisThread(String name, String poolIndex) {
        setForThisThread(name, poolIndex, null);
    }

    static void setForThisThread(String name, String poolIndex, StateBox state) {
        THREAD.set(new Identity(name, poolIndex, state));
    }

    public static String name() {
        Identity t = THREAD.get();
        return t != null ? t.name : System.getProperty(NAME_PROPERTY);
    }

    public static int poolIndex() {
        Identity t = THREAD.get();
        String s = t != null ? t.poolIndex : System.getProperty(POOL_INDEX_PROPERTY);
        try {
            return s == null ? -1 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The state of the worker running this code: the thread worker's box on its task thread, the
     * process's box in a worker JVM, null elsewhere (a thread of the controller, a pool's thread
     * worker, or a thread the task started itself in a thread worker).
     */
    public static StateBox state() {
        Identity t = THREAD.get();
        if (t != null) {
            return t.state;
        }
        return System.getProperty(NAME_PROPERTY) != null ? PROCESS_STATE : null;
    }

    /** The box of this worker JVM, for the child's own code. */
    public static StateBox processState() {
        return PROCESS_STATE;
    }

    private record Identity(String name, String poolIndex, StateBox state) {
    }

    /**
     * A worker's state and whether it has one. {@code tracked} turns on with an initial state or
     * the first {@code set}, and from then on a process worker sends the state back after every
     * call (a worker that never uses state pays nothing).
     */
    public static final class StateBox {
        private volatile Object value;
        private volatile boolean tracked;

        public StateBox(Object value, boolean tracked) {
            this.value = value;
            this.tracked = tracked;
        }

        public Object get() {
            return value;
        }

        public void set(Object v) {
            value = v;
            tracked = true;
        }

        public boolean tracked() {
            return tracked;
        }

        /** Back to a state given at (re)start; {@code tracked} as the options say. */
        public void reset(Object v, boolean track) {
            value = v;
            tracked = track;
        }
    }
}
