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
 * the default archive, procpool's, the user's, and the lambda classes) are archived once, from a
 * worker's run, and mapped by every later worker of the same java, classpath and JVM arguments
 * instead of being parsed and verified again. That is most of a child's start-up beyond a bare JVM.
 *
 * <p>Two kinds of archive, by the java's version:
 * <ul>
 *   <li>JDK 25 and later: an AOT cache (JEP 483, {@code -XX:AOTCache}), which also keeps the
 *       classes linked and the lambda forms resolved, so a worker starts faster than from a dynamic
 *       archive. The first worker runs in recording mode ({@code -XX:AOTMode=record}) and writes the
 *       AOT configuration as it exits; a background thread of the controller then assembles the
 *       cache from it ({@code -XX:AOTMode=create}, one short JVM run whose output is discarded).
 *       The two steps, not the one-step {@code -XX:AOTCacheOutput}: that one prints five lines on
 *       the worker's stdout and stderr which no option silences, and holds the worker's exit until
 *       the cache is assembled. The recording JVM prints one line too ("AOTConfiguration recorded:
 *       PATH", on stderr here); {@link Plan#vmNoise()} names it so that the worker's output pump
 *       drops it. JDK 24 has the same two steps but is past its support and untested here: it
 *       keeps the dynamic archive.</li>
 *   <li>JDK 13 to 24: a dynamic archive ({@code -XX:ArchiveClassesAtExit}, then
 *       {@code -XX:SharedArchiveFile}), written by the first worker as it exits.</li>
 * </ul>
 *
 * <p>The archive is a file under {@code ~/.cache/procpool/cds} (or {@code $XDG_CACHE_HOME}, or the
 * {@code procpool.cds.dir} system property) named by a checksum of everything that makes it valid:
 * the java executable, every classpath jar's path, size and modification time, and the JVM
 * arguments. One worker at a time creates it ({@code <hash>.lock}, taken atomically, stale after a
 * minute), to a temporary file moved into place only if that worker exits normally (and, for an
 * AOT cache, its assembly succeeds); a worker that is killed leaves nothing half-written behind.
 * CDS and AOT messages are switched off, so a stale or foreign archive is silently ignored rather
 * than printed into the user's stderr.
 *
 * <p>Used only when every classpath entry is a jar (the JVM refuses to archive from directories)
 * and the child runs the controller's own java (whose version is then known: JDK 13+ for dynamic
 * archives, 25+ for the AOT cache).
 */
final class ClassDataSharing {
    private static final Duration STALE_LOCK = Duration.ofMinutes(1);
    private static final String LOGS_OFF = "-Xlog:cds*=off";
    /** JDK 25 logs the AOT cache under its own tag. */
    private static final String AOT_LOGS_OFF = "-Xlog:aot*=off,cds*=off";
    /** The first release whose AOT cache options are used; see the class comment for 24. */
    static final int AOT_CACHE_SINCE = 25;
    /**
     * The JVM arguments for one launch, and what to do when that process exits.
     *
     * @param creating the temporary file the launch writes (a dynamic archive, or an AOT
     *        configuration), or null when it only uses an archive
     * @param assemble for an AOT configuration: the command that turns it into the cache at
     *        {@code creating + ".aot"}; null for a dynamic archive
     */
    record Plan(List<String> jvmArgs, Path creating, Path lock, Path archive, List<String> assemble) {
        static final Plan NONE = new Plan(List.of(), null, null, null, null);

        /**
         * A line the JVM prints on its own about this plan, which the worker's output must not
         * show (with surrounding spaces trimmed), or null.
         */
        String vmNoise() {
            return assemble == null ? null : "AOTConfiguration recorded: " + creating;
        }

        /** Publishes the archive this worker was creating, if it exited normally. */
        void exited(int exitCode) {
            if (creating == null) {
                return;
            }
            boolean handedOver = false;
            try {
                if (exitCode == 0 && Files.size(creating) > 0) {
                    if (assemble == null) {
                        publish(creating, archive);
                    } else {
                        assembleInBackground(this);
                        handedOver = true;
                    }
                }
            } catch (IOException e) {
                // no archive this time; a later worker tries again
            } finally {
                if (!handedOver) {
                    cleanUp(creating, lock);
                }
            }
        }
    }

    private static void publish(Path file, Path archive) throws IOException {
        try {
            Files.move(file, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(file, archive, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void cleanUp(Path creating, Path lock) {
        try {
            Files.deleteIfExists(creating);
            Files.deleteIfExists(lock);
        } catch (IOException ignored) {
            // the lock goes stale and is taken over
        }
    }

    /**
     * The shell script that assembles an AOT cache and publishes it. It runs detached from the
     * controller's threads and outlives the controller if need be: a program that starts one worker
     * and exits (the case start-up matters most for) still gets its cache for the next run. The
     * rename is atomic (same directory); the lock goes last, so a worker that finds no lock finds
     * the cache. A stuck assembly is ended after two minutes where {@code timeout} exists.
     * Arguments: configuration, temporary cache, cache, lock, then the assembly command.
     */
    private static final String ASSEMBLE = "conf=$1 tmp=$2 cache=$3 lock=$4; shift 4; "
            + "if command -v timeout >/dev/null; then set -- timeout 120 \"$@\"; fi; "
            + "if \"$@\" </dev/null >/dev/null 2>&1 && [ -s \"$tmp\" ]; then mv -f \"$tmp\" \"$cache\"; fi; "
            + "rm -f \"$tmp\" \"$conf\"; rm -f \"$lock\"";

    /** Starts the assembly of the AOT cache from a recorded configuration; see {@link #ASSEMBLE}. */
    private static void assembleInBackground(Plan plan) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of("/bin/sh", "-c", ASSEMBLE, "procpool-aot-cache",
                plan.creating().toString(), plan.creating() + ".aot", plan.archive().toString(), plan.lock().toString()));
        cmd.addAll(plan.assemble());
        new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
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
            boolean aot = Runtime.version().feature() >= AOT_CACHE_SINCE;
            Path archive = dir.resolve(name + (aot ? ".aot" : ".jsa"));
            if (Files.isRegularFile(archive)) {
                markUsed(archive);
                return aot ? new Plan(List.of("-XX:AOTCache=" + archive, AOT_LOGS_OFF), null, null, archive, null)
                        : new Plan(List.of("-XX:SharedArchiveFile=" + archive, LOGS_OFF), null, null, archive, null);
            }
            Path lock = dir.resolve(name + ".lock");
            if (!takeLock(lock)) {
                return Plan.NONE; // another worker is creating it right now
            }
            prune(dir);
            Path creating = dir.resolve(name + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
            if (!aot) {
                return new Plan(List.of("-XX:ArchiveClassesAtExit=" + creating, LOGS_OFF), creating, lock, archive, null);
            }
            // the assembly runs with the worker's own JVM arguments: the cache is only used by a JVM
            // whose GC and heap layout match those it was made with
            List<String> assemble = new java.util.ArrayList<>();
            assemble.add(javaExecutable.toString());
            assemble.add("-XX:AOTMode=create");
            assemble.add("-XX:AOTConfiguration=" + creating);
            assemble.add("-XX:AOTCache=" + creating + ".aot");
            assemble.add(AOT_LOGS_OFF);
            assemble.addAll(jvmArgs);
            assemble.add("-cp");
            assemble.add(String.join(File.pathSeparator, classpath));
            return new Plan(List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + creating, AOT_LOGS_OFF),
                    creating, lock, archive, List.copyOf(assemble));
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
                if ((n.endsWith(".jsa") || n.endsWith(".aot")) && modified.isBefore(now.minus(Duration.ofDays(7)))
                        || (n.endsWith(".tmp") || n.endsWith(".tmp.aot")) && modified.isBefore(now.minus(Duration.ofHours(1)))) {
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
