package dev.procpool.internal;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The remote contexts of one worker server: named scopes that workers join by id when they start
 * and that end all at once. A context lives as long as the connection that opened it: ending it
 * (or losing that connection) terminates every worker in it. Ids are 128 random bits, so knowing
 * one is what it takes to join (besides the server's token, which every connection proves first).
 *
 * <p>Thread-safe: sessions join and leave from their own threads, a context ends on its owner's.
 */
final class RemoteContexts {
    /** How long an ending context waits for a SIGTERMed worker before SIGKILL. */
    static final long GRACE_MS = 2000;

    /** A worker session as a context sees it. */
    interface Member {
        /**
         * Stops the member's worker (SIGTERM, then SIGKILL after {@link #GRACE_MS}), reporting
         * {@code why} as the reason its worker ended.
         *
         * @return completes when its process has ended (at once if it has none yet: it is then
         *     stopped as soon as it starts)
         */
        CompletableFuture<?> terminate(String why);
    }

    /** One context. Its member set is guarded by itself. */
    static final class Context {
        final String id;
        final String name;
        private final Set<Member> members = new java.util.LinkedHashSet<>();
        private boolean ended;

        Context(String id, String name) {
            this.id = id;
            this.name = name;
        }

        @Override
        public String toString() {
            return "context '" + name + "' (" + id + ")";
        }
    }

    private final Map<String, Context> open = new ConcurrentHashMap<>();

    /** Opens a new context with a fresh id. */
    Context open(String name) {
        byte[] b = new byte[16];
        new java.security.SecureRandom().nextBytes(b);
        Context c = new Context(HexFormat.of().formatHex(b), name);
        open.put(c.id, c);
        return c;
    }

    /** Adds a member; null when no open context has that id. */
    Context join(String id, Member m) {
        Context c = open.get(id);
        if (c == null) {
            return null;
        }
        synchronized (c.members) {
            if (c.ended) {
                return null;
            }
            c.members.add(m);
        }
        return c;
    }

    /** Removes a member whose worker ended. */
    void leave(Context c, Member m) {
        synchronized (c.members) {
            c.members.remove(m);
        }
    }

    /**
     * Ends a context: no one joins any more, and every member's worker is terminated. Waits (up
     * to {@code waitMillis}) for their processes to end.
     *
     * @return the number of workers that were in it
     */
    int end(Context c, String why, long waitMillis) {
        List<Member> members;
        synchronized (c.members) {
            if (c.ended) {
                return 0;
            }
            c.ended = true;
            members = new ArrayList<>(c.members);
            c.members.clear();
        }
        open.remove(c.id);
        List<CompletableFuture<?>> ends = new ArrayList<>();
        for (Member m : members) {
            ends.add(m.terminate(why));
        }
        try {
            CompletableFuture.allOf(ends.toArray(new CompletableFuture<?>[0])).get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            // what is still running got SIGKILL already or will after the grace
        }
        return members.size();
    }

    /** Ends every context (the server closes). */
    void endAll(String why) {
        for (Context c : new ArrayList<>(open.values())) {
            end(c, why, 0);
        }
    }
}
