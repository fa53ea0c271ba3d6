package dev.procpool.remote;

import dev.procpool.Token;
import java.nio.file.Path;
import java.util.Objects;

/** Where a builder takes its {@link Token} from; never from a command line. */
final class Tokens {
    /** The environment variable read when no token source is given. */
    static final String DEFAULT_ENV = "PROCPOOL_TOKEN";

    private Tokens() {
    }

    /**
     * Where a builder takes its token from: the last of a file, an environment variable or the
     * token itself that was given; {@link #DEFAULT_ENV} when none was. Not thread-safe, like the
     * builders that hold it.
     */
    static final class Source {
        private Path file;
        private String env;
        private Token token;

        void file(Path file) {
            this.file = Objects.requireNonNull(file, "file");
            this.env = null;
            this.token = null;
        }

        void env(String variable) {
            this.env = Objects.requireNonNull(variable, "variable");
            this.file = null;
            this.token = null;
        }

        void token(Token token) {
            this.token = Objects.requireNonNull(token, "token");
            this.file = null;
            this.env = null;
        }

        /** Reads the token now, from its source. */
        Token read() {
            return token != null ? token : file != null ? Token.fromFile(file) : Token.fromEnv(env != null ? env : DEFAULT_ENV);
        }
    }
}
