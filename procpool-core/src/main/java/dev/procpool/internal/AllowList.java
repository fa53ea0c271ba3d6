package dev.procpool.internal;

import java.io.InvalidClassException;
import java.io.ObjectInputFilter;

/**
 * Refusals by a class allow-list that say what to do about them. The JDK's own message for a
 * refused class is "filter status: REJECTED", naming neither the class nor a remedy; a filter
 * made with {@link #naming} remembers, per thread, the class it last refused, and
 * {@link #explain} turns that into a sentence naming the class and the option that admits it.
 */
public final class AllowList {
    private static final ThreadLocal<String> REJECTED = new ThreadLocal<>();

    private AllowList() {
    }

    /** {@code pattern} (an {@link ObjectInputFilter.Config#createFilter} pattern) as a naming filter. */
    public static ObjectInputFilter naming(String pattern) {
        return naming(ObjectInputFilter.Config.createFilter(pattern));
    }

    /** A filter that decides as {@code filter} does and remembers the class it refuses. */
    public static ObjectInputFilter naming(ObjectInputFilter filter) {
        return info -> {
            ObjectInputFilter.Status status = filter.checkInput(info);
            if (status == ObjectInputFilter.Status.REJECTED && info.serialClass() != null) {
                REJECTED.set(info.serialClass().getName());
            }
            return status;
        };
    }

    /** Forgets what this thread's filters refused: call before a decode whose refusal is explained. */
    public static void clear() {
        REJECTED.remove();
    }

    /**
     * The class a naming filter refused on this thread since {@link #clear()}, found also in an
     * exception's causes (a lambda's capturing class is named by the codec's own exception).
     */
    public static String rejectedClass(Throwable error) {
        String r = REJECTED.get();
        if (r != null) {
            return r;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof InvalidClassException ice && ice.classname != null
                    && String.valueOf(ice.getMessage()).contains("rejected")) {
                return ice.classname;
            }
        }
        return null;
    }

    /** The pattern to suggest for a refused class: its package with {@code .*}, or the class itself. */
    public static String suggestion(String className) {
        String outer = className.replaceAll("\\$.*", "").replaceAll("\\[+L|;$", "");
        int dot = outer.lastIndexOf('.');
        return dot < 0 ? outer : outer.substring(0, dot) + ".*";
    }

    /**
     * The sentence for a decode that {@code error} ended, if it was a refusal by a naming filter;
     * else null.
     *
     * @param where where the refusal happened, e.g. "the remote worker"
     * @param remedy how to admit the class, with {@code %s} where the suggested pattern goes, e.g.
     *     {@code RemoteOptions.builder(...).allowClasses("%s")}
     * @param pattern the allow-list in force
     */
    public static String explain(Throwable error, String where, String remedy, String pattern) {
        String cls = rejectedClass(error);
        if (cls == null) {
            return null;
        }
        return "class " + cls + " is not on the allow-list of " + where + " (" + pattern + "); allow it with "
                + String.format(remedy, suggestion(cls));
    }
}
