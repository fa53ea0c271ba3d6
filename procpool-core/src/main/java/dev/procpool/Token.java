package dev.procpool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared secret that admits a peer to a procpool server: worker servers and their clients
 * ({@code WorkerServerOptions}, {@code RemoteOptions}) and log servers and their clients
 * ({@code LogServer}, {@code LogServerClient}) all take one. A token is at least
 * {@value #MIN_LENGTH} characters of text without white space or control characters (so it fits
 * on one line of a file or a protocol), such as the output of {@code openssl rand -hex 32}.
 *
 * <p>Immutable. {@link #toString()} never shows the secret, and {@link #equals} compares in
 * constant time.
 *
 * <pre>{@code
 * Token token = Token.fromFile(Path.of("/etc/procpool/token"));  // or Token.fromEnv("PROCPOOL_TOKEN")
 * try (WorkerServer server = WorkerServer.start(WorkerServerOptions.builder().token(token).build())) {
 *     ...
 * }
 * }</pre>
 */
public final class Token {
    /** Shorter tokens are refused: a guessable token is no authentication. */
    public static final int MIN_LENGTH = 16;

    private static final Logger LOG = LoggerFactory.getLogger(Token.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] utf8;

    private Token(byte[] utf8) {
        this.utf8 = utf8;
    }

    /**
     * The token itself, for programs that hold it already (e.g. from a secret store). Never put a
     * token on a command line, where {@code ps} shows it to every user.
     *
     * @throws IllegalArgumentException if it is shorter than {@value #MIN_LENGTH} characters or holds
     *     white space or control characters
     */
    public static Token of(String text) {
        return check(Objects.requireNonNull(text, "text"), "the token");
    }

    /** A fresh token of 64 hex digits from a {@link SecureRandom}: for a server and its clients in one program. */
    public static Token random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return new Token(HexFormat.of().formatHex(b).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads the token from a file; surrounding white space (such as a final newline) is ignored. A
     * file that other users can read is accepted with a warning in the log.
     *
     * @throws IllegalArgumentException if the file cannot be read or its token is not valid
     */
    public static Token fromFile(Path file) {
        Objects.requireNonNull(file, "file");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the token file " + file + ": " + e.getMessage(), e);
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
                LOG.warn("token file {} is readable by other users; chmod 600 it", file);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
        return check(text.strip(), "the token file " + file);
    }

    /**
     * Reads the token from an environment variable; surrounding white space is ignored.
     *
     * @throws IllegalArgumentException if the variable is not set or its token is not valid
     */
    public static Token fromEnv(String variable) {
        Objects.requireNonNull(variable, "variable");
        String v = System.getenv(variable);
        if (v == null) {
            throw new IllegalArgumentException("no token: environment variable " + variable + " is not set");
        }
        return check(v.strip(), "environment variable " + variable);
    }

    private static Token check(String token, String source) {
        if (token.length() < MIN_LENGTH) {
            throw new IllegalArgumentException(source + " is too short (" + token.length()
                    + " characters; at least " + MIN_LENGTH + ", e.g. `openssl rand -hex 32`)");
        }
        if (token.chars().anyMatch(c -> c <= ' ' || c == 0x7f || Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new IllegalArgumentException(source + " holds white space or control characters");
        }
        return new Token(token.getBytes(StandardCharsets.UTF_8));
    }

    /** The token's UTF-8 bytes (a copy): what the servers and clients use to authenticate. */
    public byte[] bytes() {
        return utf8.clone();
    }

    /** Whether {@code o} is the same secret; compares in constant time. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Token t && MessageDigest.isEqual(utf8, t.utf8);
    }

    @Override
    public int hashCode() {
        return utf8.length; // the secret's content stays out of hash tables and their timing
    }

    /** Never the secret. */
    @Override
    public String toString() {
        return "Token[hidden]";
    }
}
