package dev.procpool.internal;

import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.internal.child.ChildMain;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.jar.JarFile;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The child JVM's command line, and its shell-quoted form for humans. */
final class LaunchCommand {
    /**
     * An out-of-heap child exits instead of limping on; and the JVM's own messages (such as the
     * out-of-memory notice) go to stderr, whose tail is in error reports, leaving stdout to the
     * user's output. No collector is chosen: on JDK 17 only G1 maps the archived heap objects of
     * class data sharing, and a Serial child started ~6 ms slower for the same resident size.
     */
    static final List<String> DEFAULT_JVM_ARGS = List.of("-XX:+ExitOnOutOfMemoryError", "-XX:+DisplayVMOutputToStderr");
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    /** By name: loading the class here would be useless work for the controller. */
    static final String CHILD_LOG_PROVIDER = "dev.procpool.internal.child.ChildLogProvider";

    private LaunchCommand() {
    }

    /** The JVM arguments that decide what a class data archive must match (not the -D ones). */
    static List<String> vmShapingArgs(WorkerOptions options) {
        List<String> args = new ArrayList<>(DEFAULT_JVM_ARGS);
        options.maxHeap().ifPresent(h -> args.add("-Xmx" + h));
        args.addAll(options.jvmArgs());
        return args;
    }

    static List<String> command(WorkerOptions options, String name, int port, long workerId, String classpath,
            List<String> cdsArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(options.javaExecutable().toString());
        // first, so that `ps` shows which worker this is even when it cuts long lines
        cmd.add("-Dprocpool.worker=" + name);
        if (options.captureLogs()) {
            // before the user's -D options, so that theirs win; verbosity WARN keeps SLF4J's
            // "Attempting to load provider" notice out of the worker's stderr
            cmd.add("-Dslf4j.provider=" + CHILD_LOG_PROVIDER);
            cmd.add("-Dslf4j.internal.verbosity=WARN");
            cmd.add("-Dprocpool.log.level=" + options.logLevel().name());
        }
        cmd.addAll(DEFAULT_JVM_ARGS);
        options.maxHeap().ifPresent(h -> cmd.add("-Xmx" + h));
        for (Map.Entry<String, String> p : options.systemProperties().entrySet()) {
            cmd.add("-D" + p.getKey() + "=" + p.getValue());
        }
        cmd.addAll(cdsArgs);
        cmd.addAll(options.jvmArgs());
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(ChildMain.class.getName());
        cmd.add(Integer.toString(port));
        cmd.add(Long.toString(workerId));
        cmd.add(options.codec().getClass().getName());
        return cmd;
    }

    /** {@link #classpath(WorkerOptions, ClassLoader)} without a task class loader to look at. */
    static String classpath(WorkerOptions options) throws WorkerStartException {
        return classpath(options, null);
    }

    /**
     * The user's classpath (or ours), plus procpool-core's location if nothing on it provides the
     * worker's main class. Entries are made absolute: the child may run in another directory.
     *
     * <p>Without an explicit classpath, ours is {@code java.class.path}, which is not where the
     * task's classes are when the controller runs under another class loader ({@code mvn
     * exec:java}, IDE and Gradle runners, application servers): then the {@code file:} locations
     * of every {@link URLClassLoader} between {@code taskLoader} and the system class loader come
     * first. Other locations (the nested jars of a Spring Boot fat jar) cannot be put on a command
     * line; a class found only there fails the task in the child with a message naming it, the
     * child's classpath and {@code WorkerOptions.classpath(...)}.
     *
     * @throws WorkerStartException if the child would not even find procpool's own classes (they
     *     are not in a plain jar or directory, and no entry provides them)
     */
    static String classpath(WorkerOptions options, ClassLoader taskLoader) throws WorkerStartException {
        Set<String> entries = new LinkedHashSet<>();
        List<String> given = options.classpath().orElse(null);
        if (given == null) {
            given = new ArrayList<>(loaderEntries(taskLoader));
            given.addAll(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        }
        for (String e : given) {
            if (!e.isEmpty()) {
                // a trailing "*" (all jars of a directory) must stay as it is
                entries.add(e.endsWith("*") ? Path.of(e.substring(0, e.length() - 1)).toAbsolutePath() + File.separator + "*"
                        : Path.of(e).toAbsolutePath().toString());
            }
        }
        boolean systemLoaderHasCore = options.classpath().isEmpty()
                && ChildMain.class.getClassLoader() == ClassLoader.getSystemClassLoader();
        String core = coreLocation();
        if (!systemLoaderHasCore && entries.stream().noneMatch(LaunchCommand::providesChildMain)) {
            if (core == null) {
                throw new WorkerStartException("the worker JVM would not find procpool's classes: here they are loaded by "
                        + ChildMain.class.getClassLoader() + " from " + ChildMain.class.getProtectionDomain().getCodeSource()
                        + ", which is not a plain jar or directory (a fat jar's nested jar?), and no entry of the worker's"
                        + " classpath has them (" + String.join(File.pathSeparator, entries) + "); give workers a classpath"
                        + " of plain jars with WorkerOptions.builder().classpath(...)", null);
            }
            entries.add(core);
        }
        return String.join(File.pathSeparator, entries);
    }

    /** The {@code file:} entries of the URL class loaders from {@code loader} up to the system one. */
    static List<String> loaderEntries(ClassLoader loader) {
        List<List<String>> levels = new ArrayList<>();
        ClassLoader system = ClassLoader.getSystemClassLoader();
        for (ClassLoader cl = loader; cl != null && cl != system && cl != ClassLoader.getPlatformClassLoader();
                cl = cl.getParent()) {
            if (cl instanceof URLClassLoader u) {
                List<String> level = new ArrayList<>();
                for (URL url : u.getURLs()) {
                    if ("file".equals(url.getProtocol())) {
                        try {
                            level.add(Path.of(url.toURI()).toString());
                        } catch (URISyntaxException | IllegalArgumentException e) {
                            // not a plain file location: nothing a command line can name
                        }
                    }
                }
                levels.add(level);
            }
        }
        // parents first, as class loading delegates
        List<String> out = new ArrayList<>();
        for (int i = levels.size() - 1; i >= 0; i--) {
            out.addAll(levels.get(i));
        }
        return out;
    }

    private static final String CHILD_CLASS_FILE = ChildMain.class.getName().replace('.', '/') + ".class";

    private static boolean providesChildMain(String entry) {
        Path p = Path.of(entry);
        if (Files.isDirectory(p)) {
            return Files.exists(p.resolve(CHILD_CLASS_FILE));
        }
        if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
            try (JarFile jar = new JarFile(p.toFile())) {
                return jar.getEntry(CHILD_CLASS_FILE) != null;
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }

    private static String coreLocation() {
        try {
            var source = ChildMain.class.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI()).toString();
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    /** A command a human can paste into a shell: working directory, added environment, argv. */
    static String toShell(WorkerOptions options, List<String> command) {
        StringBuilder sb = new StringBuilder();
        options.workingDirectory().ifPresent(d -> sb.append("cd ").append(quote(d.toString())).append(" && "));
        if (!options.environment().isEmpty()) {
            sb.append("env");
            options.environment().forEach((k, v) -> sb.append(' ').append(quote(k + "=" + v)));
            sb.append(' ');
        }
        for (int i = 0; i < command.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(quote(command.get(i)));
        }
        return sb.toString();
    }

    static String quote(String s) {
        if (!s.isEmpty() && SAFE.matcher(s).matches()) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
