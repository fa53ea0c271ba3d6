package dev.procpool.jobs;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a job's stdout or stderr goes: an immutable value.
 *
 * <ul>
 *   <li>{@link #inherit()}: to the controller's own stdout (or stderr), line by line (the default)</li>
 *   <li>{@link #appendTo(Path)}: appended to a file, created if missing</li>
 *   <li>{@link #pipe()}: kept in memory and handed over in {@link JobResult#stdout()} /
 *       {@link JobResult#stderr()} when the job ends (PyExPool's {@code PIPE}: do not use it for
 *       huge or endless output)</li>
 *   <li>{@link #discard()}: dropped</li>
 *   <li>{@link #toStdout()}: stderr only, merged into wherever stdout goes (PyExPool's {@code STDOUT})</li>
 * </ul>
 */
public final class Output {
    /** The kinds of destination. */
    public enum Kind {
        /** The controller's stream. */
        INHERIT,
        /** Appended to a file. */
        FILE,
        /** Kept in memory for the result. */
        PIPE,
        /** Dropped. */
        DISCARD,
        /** stderr merged into stdout. */
        TO_STDOUT
    }

    private static final Output INHERIT = new Output(Kind.INHERIT, null);
    private static final Output PIPE = new Output(Kind.PIPE, null);
    private static final Output DISCARD = new Output(Kind.DISCARD, null);
    private static final Output TO_STDOUT = new Output(Kind.TO_STDOUT, null);

    private final Kind kind;
    private final Path file;

    private Output(Kind kind, Path file) {
        this.kind = kind;
        this.file = file;
    }

    /** To the controller's stream of the same name. */
    public static Output inherit() {
        return INHERIT;
    }

    /** Appended to {@code file} (made absolute against the controller's working directory). */
    public static Output appendTo(Path file) {
        return new Output(Kind.FILE, Objects.requireNonNull(file, "file").toAbsolutePath());
    }

    /** Kept in memory and returned with the result. */
    public static Output pipe() {
        return PIPE;
    }

    /** Dropped. */
    public static Output discard() {
        return DISCARD;
    }

    /** For stderr only: merged into stdout. */
    public static Output toStdout() {
        return TO_STDOUT;
    }

    /** The kind of destination. */
    public Kind kind() {
        return kind;
    }

    /** The file, for {@link Kind#FILE}. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Output other && other.kind == kind && Objects.equals(other.file, file);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Objects.hashCode(file);
    }

    @Override
    public String toString() {
        return kind == Kind.FILE ? "appendTo(" + file + ")" : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
