package dev.procpool.redis.internal;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Where Redis is and how to log in, parsed once from a {@code redis://} or {@code rediss://} URL,
 * plus the key names of one namespace and the Lua scripts both sides run.
 *
 * <p>Each procpool thread that talks to Redis owns one {@link Jedis} connection made here: the
 * blocking reads (XREADGROUP BLOCK) hold their connection, so sharing one would stall the others.
 */
public final class RedisLink {
    /** The field names of a task entry and a result entry (see README.md, "Data in Redis"). */
    public static final byte[] F_ID = b("id");
    public static final byte[] F_TASK = b("task");
    public static final byte[] F_TIMEOUT = b("timeout");
    public static final byte[] F_MAX = b("max");
    public static final byte[] F_TTL = b("ttl");
    public static final byte[] F_STATE = b("state");
    public static final byte[] F_VALUE = b("value");
    public static final byte[] F_NODE = b("node");
    public static final byte[] F_DELIVERIES = b("deliveries");
    /** The name of the controller that submitted a task: its results go to that controller's stream. */
    public static final byte[] F_REPLY = b("reply");
    /** The controller name whose results stream is the namespace's plain {@code results}. */
    public static final String DEFAULT_CONTROLLER = "default";

    /** The consumer group of the nodes on the task stream, and of the controller on the result stream. */
    public static final byte[] NODES_GROUP = b("nodes");
    public static final byte[] CONTROLLER_GROUP = b("controller");
    public static final byte[] CONTROLLER = b("controller");

    /**
     * Acknowledges task entries and publishes their results, atomically per entry, each only if the
     * entry was still pending: a task that two nodes ran (one was stalled, then resumed) gets one
     * result, from whichever acknowledged first. Trims results older than each task's TTL on the
     * way. One call per batch of results, not one per result.
     * KEYS: tasks, then the results stream of each result (its controller's). ARGV: group, then per
     * result: entry id, ttl ms, n, then n field/value pairs.
     */
    static final String ACK_AND_PUBLISH = String.join("\n",
            "local t = redis.call('TIME')",
            "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
            "local i = 2",
            "local published = 0",
            "local r = 1",
            "while i <= #ARGV do",
            "  r = r + 1",
            "  local id, ttl, n = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])",
            "  if redis.call('XACK', KEYS[1], ARGV[1], id) == 1 then",
            "    redis.call('XDEL', KEYS[1], id)",
            "    local args = {'XADD', KEYS[r], 'MINID', '~', tostring(math.max(now - ttl, 0)), '*'}",
            "    for k = i + 3, i + 2 + 2 * n do args[#args + 1] = ARGV[k] end",
            "    redis.call(unpack(args))",
            "    published = published + 1",
            "  end",
            "  i = i + 3 + 2 * n",
            "end",
            "return published");

    /**
     * Keeps a node's claims alive: resets the idle time of every entry it still owns (XCLAIM JUSTID
     * does not count a delivery) and returns the ids it no longer owns (acknowledged elsewhere or
     * claimed by another node while this one was stalled). KEYS: tasks. ARGV: group, consumer, ids.
     */
    static final String REFRESH = String.join("\n",
            "local lost = {}",
            "for i = 3, #ARGV do",
            "  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])",
            "  if #p == 1 then",
            "    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')",
            "  else",
            "    lost[#lost + 1] = ARGV[i]",
            "  end",
            "end",
            "return lost");

    /**
     * XAUTOCLAIM plus each claimed entry's delivery count (which XAUTOCLAIM does not return), in
     * one round trip. Returns {next cursor, {id, fields, deliveries}...}. Then removes from the
     * group the consumers of nodes that are gone: none pending (their tasks were just claimed) and
     * idle longer than the claim time; a live node that is removed by mistake is simply added again
     * by its next read, so only dead ones stay away.
     * KEYS: tasks. ARGV: group, consumer, min idle ms, cursor, count.
     */
    static final String CLAIM = String.join("\n",
            "local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])",
            "local out = {r[1]}",
            "for _, e in ipairs(r[2]) do",
            "  if e and e[2] then",
            "    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)",
            "    out[#out + 1] = {e[1], e[2], p[1][4]}",
            "  end",
            "end",
            "for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do",
            "  local info = {}",
            "  for k = 1, #c, 2 do info[c[k]] = c[k + 1] end",
            "  if info['name'] ~= ARGV[2] and tonumber(info['pending']) == 0",
            "      and tonumber(info['idle']) > tonumber(ARGV[3]) then",
            "    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])",
            "  end",
            "end",
            "return out");

    private final String display;
    private final HostAndPort address;
    private final DefaultJedisClientConfig config;
    private final byte[] tasksKey;
    private final byte[] resultsKey;
    private final String prefix;

    /**
     * @param url {@code redis://[user[:password]@]host[:port][/db]}, or {@code rediss://} for TLS
     * @param sslContext trusted certificates for TLS; null for the JVM's default trust store
     * @param namespace the prefix that separates pools sharing one Redis
     */
    public RedisLink(String url, SSLContext sslContext, String namespace, String clientName) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a Redis URL: " + url + " (" + e.getMessage() + ")");
        }
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw new IllegalArgumentException("not a Redis URL (redis:// or rediss://): " + redact(url));
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("Redis URL without a host: " + redact(url));
        }
        boolean tls = "rediss".equals(scheme);
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .clientName(clientName)
                .connectionTimeoutMillis(5_000)
                .socketTimeoutMillis(10_000);
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? null : decode(userInfo.substring(0, colon));
            String password = decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
            if (user != null && !user.isEmpty()) {
                b.user(user);
            }
            b.password(password);
        }
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            try {
                b.database(Integer.parseInt(path.substring(1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Redis URL: the path must be a database number: " + redact(url));
            }
        }
        if (tls) {
            b.ssl(true);
            if (sslContext != null) {
                b.sslSocketFactory(sslContext.getSocketFactory());
            }
            // the JDK checks the host name against the certificate only when asked to
            SSLParameters params = new SSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            b.sslParameters(params);
        }
        this.config = b.build();
        this.address = new HostAndPort(uri.getHost(), uri.getPort() < 0 ? Protocol.DEFAULT_PORT : uri.getPort());
        this.display = redact(url);
        String prefix = "procpool:{" + namespace + "}:";
        this.prefix = prefix;
        this.tasksKey = b(prefix + "tasks");
        this.resultsKey = b(prefix + "results");
    }

    /** The URL with any password replaced by {@code ***}. */
    public static String redact(String url) {
        return url.replaceAll("(//[^/@:]*:)[^/@]*@", "$1***@").replaceAll("//([^/@:]+)@", "//***@");
    }

    /** A new connection with the scripts loaded. */
    public Jedis connect() {
        Jedis jedis = new Jedis(address, config);
        try {
            jedis.ping();
            for (String script : List.of(ACK_AND_PUBLISH, REFRESH, CLAIM)) {
                jedis.scriptLoad(script);
            }
            return jedis;
        } catch (RuntimeException e) {
            jedis.close();
            throw e;
        }
    }

    /** Creates the consumer group if it does not exist, reading the stream from its start. */
    public void ensureGroup(Jedis jedis, byte[] stream, byte[] group) {
        try {
            jedis.sendCommand(Protocol.Command.XGROUP, b("CREATE"), stream, group, b("0"), b("MKSTREAM"));
        } catch (JedisDataException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    public byte[] tasksKey() {
        return tasksKey;
    }

    /**
     * The results stream of the controller named {@code controller} (checked to be a valid name):
     * the namespace's {@code results} for {@link #DEFAULT_CONTROLLER}, else {@code results:NAME}.
     */
    public byte[] resultsKey(String controller) {
        checkControllerName(controller);
        return controller.equals(DEFAULT_CONTROLLER) ? resultsKey : b(prefix + "results:" + controller);
    }

    /** A controller name: what may follow {@code results:} in a key. */
    public static String checkControllerName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new IllegalArgumentException("controller name must be 1 to 100 letters, digits, '.', '_' or '-': "
                    + name);
        }
        return name;
    }

    public byte[] resultsKey() {
        return resultsKey;
    }

    @Override
    public String toString() {
        return display;
    }

    public static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String s(Object o) {
        return o == null ? null : new String((byte[]) o, StandardCharsets.UTF_8);
    }

    /** The sha1 Redis knows a script by, for EVALSHA. */
    static byte[] sha(String script) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-1").digest(b(script));
            StringBuilder hex = new StringBuilder();
            for (byte x : d) {
                hex.append(String.format("%02x", x));
            }
            return b(hex.toString());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static final byte[] ACK_AND_PUBLISH_SHA = sha(ACK_AND_PUBLISH);
    static final byte[] REFRESH_SHA = sha(REFRESH);
    static final byte[] CLAIM_SHA = sha(CLAIM);

    /** The fields of a stream entry as read from RESP: a flat list of names and values. */
    public static Map<String, byte[]> fields(Object raw) {
        Map<String, byte[]> out = new java.util.HashMap<>();
        if (raw instanceof List<?> list) {
            for (int i = 0; i + 1 < list.size(); i += 2) {
                out.put(s(list.get(i)), (byte[]) list.get(i + 1));
            }
        }
        return out;
    }

    /** EVALSHA's arguments: sha, number of keys, keys, then args. */
    static byte[][] evalArgs(byte[] sha, List<byte[]> keys, List<byte[]> args) {
        List<byte[]> all = new ArrayList<>(2 + keys.size() + args.size());
        all.add(sha);
        all.add(b(Integer.toString(keys.size())));
        all.addAll(keys);
        all.addAll(args);
        return all.toArray(new byte[0][]);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
