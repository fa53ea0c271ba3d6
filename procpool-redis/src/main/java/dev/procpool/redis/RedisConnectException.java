package dev.procpool.redis;

import java.io.IOException;

/**
 * Redis could not be reached or refused the login, when a {@link RedisPool} or {@link RedisNode}
 * started. The message names the URL (password hidden) and Redis's own words.
 *
 * <pre>{@code
 * try (RedisPool pool = RedisPool.connect(options)) {
 *     ...
 * } catch (RedisConnectException e) {
 *     System.err.println(e.getMessage());   // e.g. "cannot use Redis at redis://app:***@db:6379: WRONGPASS ..."
 * }
 * }</pre>
 */
public class RedisConnectException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public RedisConnectException(String message, Throwable cause) {
        super(message, cause);
    }
}
