package dev.procpool.internal;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Application class data sharing for child JVMs: the classes a worker loads (the JDK's own beyond
 * the default archive, procpool's, the user's, and the lambda classes) are archived once by a
 * worker as it exits, and mapped by every later worker of the same java, classpath and JVM
 * arguments instead of being parsed and verified again. That is most of a child's start-up beyond
 * a bare JVM.
 *
 * <p>The archive is a file under {@code ~/.cache/procpool/cds} (or {@code $XDG_CACHE_HOME}, or the
 * {@code procpool.cds.dir} system property) named by a checksum of everything that makes it valid:
 * the java executable, every classpath jar's path, size and modification time, and the JVM
 * arguments. One worker at a time creates it ({@code <hash>.lock}, taken atomically, stale after a
 * minute), to a temporary file moved into place only if that worker exits normally; a worker that
 * is killed leaves nothing half-written behind. CDS messages are switched off, so a stale or
 * foreign archive is silently ignored rather than printed into the user's stderr.
 *
 * <p>Used only when every classpath entry is a jar (the JVM refuses to archive from directories)
 * and the child runs the controller's own java (whose version is then known to support dynamic
 * archives, JDK 13+).
 */
final class ClassDataSharing {
    private static final Duration STALE_LOCK = Duration.ofMinutes(1);
    private static final String LOGS_OFF = "-Xlog:cds*=off";

    /** The JVM arguments for one launch, and what to do when that process exits. */
    record Plan(List<String> jvmArgs, Path creating, Path lock, Path archive) {
        static final Plan NONE = new Plan(List.of(), null, null, null);

        /** Publishes the archive this worker was creating, if it exited normally. */
        void exited(int exitCode) {
            if (creating == null) {
                return;
            }
            try {
                if (exitCode == 0 && Files.size(creating) > 0) {
                    try {
                        Files.move(creating, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(creating, archive, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } catch (IOException e) {
                // no archive this time; a later worker tries again
            } finally {
                try {
                    Files.deleteIfExists(creating);
                    Files.deleteIfExists(lock);
                } catch (IOException ignored) {
                    // the lock goes stale and is taken over
                }
            }
        }
    }

    private ClassDataSharing() {
    }

    static Plan plan(Path javaExecutable, List<String> classpath, List<String> jvmArgs) {
        try {
            if (!isOwnJava(javaExecutable) || Runtime.version().feature() < 13) {
                return Plan.NONE;
            }
            // a checksum, not a cryptographic hash: a clash only means an archive the JVM then
            // checks and ignores, and a message digest would cost the first worker ~20 ms of set-up
            java.util.zip.CRC32C digest = new java.util.zip.CRC32C();
            java.util.zip.CRC32 digest2 = new java.util.zip.CRC32();
            StringBuilder key = new StringBuilder();
            key.append(javaExecutable.toRealPath()).append('\0').append(System.getProperty("java.vm.version", "")).append('\0');
            for (String entry : classpath) {
                Path p = Path.of(entry);
                if (!entry.endsWith(".jar") || !Files.isRegularFile(p) || hasManifestClassPath(p)) {
                    return Plan.NONE;
                }
                key.append(p.toRealPath()).append('|').append(Files.size(p)).append('|')
                        .append(Files.getLastModifiedTime(p).toMillis()).append('\0');
            }
            for (String arg : jvmArgs) {
                key.append(arg).append('\0');
            }
            byte[] keyBytes = key.toString().getBytes(StandardCharsets.UTF_8);
            digest.update(keyBytes);
            digest2.update(keyBytes);
            Path dir = cacheDir();
            Files.createDirectories(dir);
            String name = String.format("%08x%08x%08x", digest.getValue(), digest2.getValue(), keyBytes.length);
            Path archive = dir.resolve(name + ".jsa");
            if (Files.isRegularFile(archive)) {
                markUsed(archive);
                return new Plan(List.of("-XX:SharedArchiveFile=" + archive, LOGS_OFF), null, null, archive);
            }
            Path lock = dir.resolve(name + ".lock");
            if (!takeLock(lock)) {
                return Plan.NONE; // another worker is creating it right now
            }
            prune(dir);
            Path creating = dir.resolve(name + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
            return new Plan(List.of("-XX:ArchiveClassesAtExit=" + creating, LOGS_OFF), creating, lock, archive);
        } catch (IOException | RuntimeException e) {
            return Plan.NONE; // no cache directory, unreadable jar...: start without an archive
        }
    }

    /**
     * A jar whose manifest adds to the classpath (a launcher's "pathing jar") may bring
     * directories, which the JVM refuses to archive, loudly; such classpaths go without.
     */
    private static boolean hasManifestClassPath(Path jar) {
        try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile())) {
            java.util.jar.Manifest m = f.getManifest();
            return m != null && m.getMainAttributes().getValue(java.util.jar.Attributes.Name.CLASS_PATH) != null;
        } catch (IOException e) {
            return true;
        }
    }

    /** Archives are found by modification time: an archive in use stays young. */
    private static void markUsed(Path archive) throws IOException {
        Instant now = Instant.now();
        if (Files.getLastModifiedTime(archive).toInstant().isBefore(now.minus(Duration.ofDays(1)))) {
            Files.setLastModifiedTime(archive, FileTime.from(now));
        }
    }

    /** Drops archives unused for a week (their jars were rebuilt) and leftovers of killed creators. */
    private static void prune(Path dir) {
        Instant now = Instant.now();
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                Instant modified = Files.getLastModifiedTime(f).toInstant();
                if (n.endsWith(".jsa") && modified.isBefore(now.minus(Duration.ofDays(7)))
                        || n.endsWith(".tmp") && modified.isBefore(now.minus(Duration.ofHours(1)))) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            // an untidy cache costs disk, not correctness
        }
    }

    private static boolean isOwnJava(Path javaExecutable) throws IOException {
        Path own = Path.of(System.getProperty("java.home"), "bin", "java");
        return Files.isExecutable(javaExecutable) && own.toRealPath().equals(javaExecutable.toRealPath());
    }

    private static boolean takeLock(Path lock) throws IOException {
        try {
            Files.createFile(lock);
            return true;
        } catch (FileAlreadyExistsException e) {
            FileTime since = Files.getLastModifiedTime(lock);
            if (since.toInstant().isBefore(Instant.now().minus(STALE_LOCK))) {
                Files.setLastModifiedTime(lock, FileTime.from(Instant.now())); // take over a dead creator's lock
                return true;
            }
            return false;
        }
    }

    static Path cacheDir() {
        String configured = System.getProperty("procpool.cds.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("procpool").resolve("cds");
    }

    static List<String> split(String classpath) {
        return List.of(classpath.split(File.pathSeparator));
    }
}
