package dev.procpool.cli;

import dev.procpool.redis.RedisNode;
import dev.procpool.redis.RedisNodeOptions;
import dev.procpool.redis.RedisTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code procpool worker-server --redis URL}: makes this machine a node of a pool spread over
 * Redis ({@link RedisNode}); it runs until SIGTERM or Ctrl-C, then lets its tasks finish.
 *
 * <pre>
 * $ procpool worker-server --redis redis://procpool:secret@redis.example.com:6379 --workers 8 --allow 'com.example.**'
 * procpool redis node host-4242 ready
 * </pre>
 */
@Command(name = "worker-server",
        header = "Runs tasks for a pool on other machines.",
        description = "With --redis: joins the pool of a Redis namespace as a node: takes tasks from the Redis "
                + "stream, runs them in local worker processes, and takes over the tasks of nodes that died. "
                + "Delivery is at least once: a task whose node died runs again elsewhere.")
final class WorkerServerCommand implements Callable<Integer> {
    @Option(names = "--redis", required = true, paramLabel = "URL",
            description = "redis://[user[:password]@]host[:port][/db], or rediss:// for TLS.")
    String redis;

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "CA certificates to trust for rediss://.")
    Path tlsCa;

    @Option(names = "--namespace", defaultValue = "procpool", description = "Must match the controller's (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--name", description = "This node's name (default: host-pid).")
    String name;

    @Option(names = "--workers", description = "Worker processes (default: the number of CPUs).")
    Integer workers;

    @Option(names = "--prefetch", description = "Tasks taken beyond those running (default: --workers).")
    Integer prefetch;

    @Option(names = "--claim-idle", paramLabel = "SECONDS", defaultValue = "30",
            description = "Take over a task another node has not renewed for this long (default: ${DEFAULT-VALUE}).")
    double claimIdle;

    @Option(names = "--allow", paramLabel = "PATTERN",
            description = "Classes tasks may be made of, e.g. 'com.example.**' (repeatable; java.base and procpool are allowed).")
    List<String> allow = List.of();

    @Override
    public Integer call() throws Exception {
        RedisNodeOptions.Builder b = RedisNodeOptions.builder().url(redis).namespace(namespace)
                .claimIdle(Duration.ofMillis((long) (claimIdle * 1000)));
        if (tlsCa != null) {
            b.sslContext(RedisTls.trusting(tlsCa));
        }
        if (name != null) {
            b.name(name);
        }
        if (workers != null) {
            b.workers(workers);
        }
        if (prefetch != null) {
            b.prefetch(prefetch);
        }
        allow.forEach(b::allowClasses);
        return RedisNode.run(b.build());
    }
}
