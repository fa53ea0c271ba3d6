package dev.procpool.redis.internal;

import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/** The node's calls of the scripts in {@link RedisLink}, with EVALSHA (the scripts are loaded on connect). */
public final class NodeScripts {
    private NodeScripts() {
    }

    /** Results per script call: bounds how long one call keeps Redis busy. */
    private static final int PER_CALL = 100;

    /**
     * Acknowledges and publishes, one script call per hundred results, pipelined. Each element:
     * entry id, ttl ms, the results stream to publish on, then the result's field/value pairs.
     * Safe to repeat: an entry already acknowledged publishes nothing.
     */
    public static void ackAndPublish(Jedis j, RedisLink link, List<byte[][]> results) {
        if (results.isEmpty()) {
            return;
        }
        Pipeline p = j.pipelined();
        List<Response<Object>> replies = new ArrayList<>();
        for (int from = 0; from < results.size(); from += PER_CALL) {
            List<byte[]> keys = new ArrayList<>();
            keys.add(link.tasksKey());
            List<byte[]> args = new ArrayList<>();
            args.add(RedisLink.NODES_GROUP);
            for (byte[][] r : results.subList(from, Math.min(results.size(), from + PER_CALL))) {
                keys.add(r[2]);
                args.add(r[0]);
                args.add(r[1]);
                args.add(RedisLink.b(Integer.toString((r.length - 3) / 2)));
                for (int k = 3; k < r.length; k++) {
                    args.add(r[k]);
                }
            }
            replies.add(p.sendCommand(Command.EVALSHA, RedisLink.evalArgs(RedisLink.ACK_AND_PUBLISH_SHA, keys, args)));
        }
        p.sync();
        for (Response<Object> r : replies) {
            check(j, r);
        }
    }

    /** Renews the claims on {@code entryIds}; returns those this node no longer holds. */
    public static List<String> refresh(Jedis j, RedisLink link, byte[] consumer, List<String> entryIds) {
        List<byte[]> args = new ArrayList<>(entryIds.size() + 2);
        args.add(RedisLink.NODES_GROUP);
        args.add(consumer);
        for (String id : entryIds) {
            args.add(RedisLink.b(id));
        }
        Object reply = eval(j, RedisLink.REFRESH_SHA, List.of(link.tasksKey()), args);
        List<String> lost = new ArrayList<>();
        for (Object o : (List<?>) reply) {
            lost.add(RedisLink.s(o));
        }
        return lost;
    }

    /** XAUTOCLAIM with delivery counts: {cursor, {id, fields, deliveries}...}. */
    public static List<?> claim(Jedis j, RedisLink link, byte[] consumer, long minIdleMs, byte[] cursor, int count) {
        List<byte[]> args = List.of(RedisLink.NODES_GROUP, consumer, RedisLink.b(Long.toString(minIdleMs)), cursor,
                RedisLink.b(Integer.toString(count)));
        return (List<?>) eval(j, RedisLink.CLAIM_SHA, List.of(link.tasksKey()), args);
    }

    private static Object eval(Jedis j, byte[] sha, List<byte[]> keys, List<byte[]> args) {
        try {
            return j.sendCommand(Command.EVALSHA, RedisLink.evalArgs(sha, keys, args));
        } catch (JedisDataException e) {
            if (!isNoScript(e)) {
                throw e;
            }
            reload(j);
            return j.sendCommand(Command.EVALSHA, RedisLink.evalArgs(sha, keys, args));
        }
    }

    private static void check(Jedis j, Response<Object> r) {
        try {
            r.get();
        } catch (JedisDataException e) {
            if (isNoScript(e)) {
                // the script cache was flushed: load again and let the caller repeat the batch
                reload(j);
                throw new redis.clients.jedis.exceptions.JedisConnectionException("scripts reloaded after " + e.getMessage());
            }
            throw e;
        }
    }

    private static boolean isNoScript(JedisDataException e) {
        return e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT");
    }

    private static void reload(Jedis j) {
        for (String script : List.of(RedisLink.ACK_AND_PUBLISH, RedisLink.REFRESH, RedisLink.CLAIM)) {
            j.scriptLoad(script);
        }
    }
}
