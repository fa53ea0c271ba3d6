package dev.procpool.internal;

/**
 * Where {@link dev.procpool.WorkerContext} looks: a thread worker's task thread carries its
 * worker's identity in a thread-local; a process worker's is on its command line.
 */
public final class CurrentWorker {
    /** System property with the worker's name, set on a process worker's command line. */
    public static final String NAME_PROPERTY = "procpool.worker";
    /** System property with a pool worker's index. */
    public static final String POOL_INDEX_PROPERTY = "procpool.pool.index";

    private static final ThreadLocal<String[]> THREAD = new ThreadLocal<>();

    private CurrentWorker() {
    }

    static void setForThisThread(String name, String poolIndex) {
        THREAD.set(new String[] {name, poolIndex});
    }

    public static String name() {
        String[] t = THREAD.get();
        return t != null ? t[0] : System.getProperty(NAME_PROPERTY);
    }

    public static int poolIndex() {
        String[] t = THREAD.get();
        String s = t != null ? t[1] : System.getProperty(POOL_INDEX_PROPERTY);
        try {
            return s == null ? -1 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
