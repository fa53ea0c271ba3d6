package dev.procpool.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code procpool version}: which procpool this is and which Java runs it, for bug reports.
 *
 * <pre>
 * $ procpool version
 * procpool 0.1.0-SNAPSHOT
 * java 17.0.15 (Debian) at /usr/lib/jvm/java-17-openjdk-amd64
 * </pre>
 */
@Command(name = "version", header = "Prints procpool's version and the Java it runs on.")
final class VersionCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        for (String line : Provider.lines()) {
            out.println(line);
        }
        out.flush();
    }

    /** The procpool version this CLI was built as, from the resource Maven filled in. */
    static String procpoolVersion() {
        Properties p = new Properties();
        try (InputStream in = VersionCommand.class.getResourceAsStream("procpool-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read procpool-version.properties", e);
        }
        String v = p.getProperty("version", "");
        // an unfiltered resource (e.g. classes compiled by an IDE, not Maven) must not print "${...}"
        return v.isBlank() || v.startsWith("${") ? "(unknown version)" : v;
    }

    /** Shared by {@code procpool version} and {@code procpool --version}, so the two agree. */
    static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return lines();
        }

        static String[] lines() {
            return new String[] {
                "procpool " + procpoolVersion(),
                "java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ") at "
                        + System.getProperty("java.home"),
            };
        }
    }
}
