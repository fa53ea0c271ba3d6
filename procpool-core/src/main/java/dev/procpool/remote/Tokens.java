package dev.procpool.remote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the shared token from a file or the environment; never from a command line. */
final class Tokens {
    private static final Logger LOG = LoggerFactory.getLogger(Tokens.class);
    /** The environment variable read when no token source is given. */
    static final String DEFAULT_ENV = "PROCPOOL_TOKEN";
    /** Shorter tokens are refused: a guessable token is no authentication. */
    static final int MIN_LENGTH = 16;

    private Tokens() {
    }

    static byte[] fromFile(Path file) {
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

    static byte[] fromEnv(String variable) {
        String v = System.getenv(variable);
        if (v == null) {
            throw new IllegalArgumentException("no token: environment variable " + variable
                    + " is not set (give a token file or set " + variable + ")");
        }
        return check(v.strip(), "environment variable " + variable);
    }

    static byte[] check(String token, String source) {
        if (token.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("the token in " + source + " is too short (" + token.length()
                    + " characters; at least " + MIN_LENGTH + ", e.g. `openssl rand -hex 32`)");
        }
        return token.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Where a builder takes its token from: the last of a file, an environment variable or the
     * token itself that was given; {@link #DEFAULT_ENV} when none was. Not thread-safe, like the
     * builders that hold it.
     */
    static final class Source {
        private Path file;
        private String env;
        private byte[] token;

        void file(Path file) {
            this.file = java.util.Objects.requireNonNull(file, "file");
            this.env = null;
            this.token = null;
        }

        void env(String variable) {
            this.env = java.util.Objects.requireNonNull(variable, "variable");
            this.file = null;
            this.token = null;
        }

        void token(byte[] token) {
            check(new String(token, StandardCharsets.UTF_8), "token(...)");
            this.token = token.clone();
            this.file = null;
            this.env = null;
        }

        /** Reads the token now: a copy of it, checked. */
        byte[] read() {
            return token != null ? token.clone() : file != null ? fromFile(file) : fromEnv(env != null ? env : DEFAULT_ENV);
        }
    }
}
