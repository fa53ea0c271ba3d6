package demo;

import dev.procpool.testing.Jars;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A user's application as a jar that is on no classpath of the test: its sources are compiled
 * here, so a worker can have its classes only the way a user would give them.
 */
public final class UserCode {
    private UserCode() {
    }

    /**
     * Compiles {@code sources} (class name to source) against the test's classpath into
     * {@code dir/classes} and packs them into {@code dir/NAME.jar}.
     */
    public static Path jar(Path dir, String name, Map<String, String> sources) throws IOException {
        Path src = dir.resolve(name + "-src");
        Path classes = dir.resolve(name + "-classes");
        Files.createDirectories(classes);
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                "--release", "17", "-proc:none"));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            args.add(f.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter out = new StringWriter();
        int rc = javac.run(null, null, null, args.toArray(new String[0]));
        if (rc != 0) {
            throw new IOException("javac failed (" + rc + ") " + out);
        }
        Path jar = dir.resolve(name + ".jar");
        Jars.of(jar, classes);
        return jar;
    }

    /** A class loader over {@code jar} whose parent is the test's: as an application server or exec:java has. */
    public static URLClassLoader loader(Path jar) throws IOException {
        return new URLClassLoader("user-app", new URL[] {jar.toUri().toURL()}, UserCode.class.getClassLoader());
    }

    /** A new instance of {@code className} from {@code loader}, by its public no-argument constructor. */
    @SuppressWarnings("unchecked")
    public static <T> T instance(ClassLoader loader, String className, Object... args) throws Exception {
        Class<?> c = Class.forName(className, true, loader);
        for (var k : c.getConstructors()) {
            if (k.getParameterCount() == args.length) {
                return (T) k.newInstance(args);
            }
        }
        throw new NoSuchMethodException(className + " with " + args.length + " arguments");
    }
}
