package dev.procpool.remote;

import java.io.File;
import java.util.List;
import java.util.Objects;

/**
 * How {@link WorkerServer#overSsh} reaches a host: the ssh command (its arguments before the host
 * name), and the java and classpath to use there. The remote command is
 * {@code JAVA -cp CLASSPATH dev.procpool.internal.RemoteServerMain --listen ...}, shell-quoted
 * into the one string ssh hands to the remote shell; the token and key store password travel on
 * ssh's stdin, never on a command line.
 *
 * <pre>{@code
 * SshOptions ssh = SshOptions.defaults()
 *     .withCommand(List.of("ssh", "-o", "BatchMode=yes", "-p", "2222"))
 *     .withClasspath("/opt/procpool/lib/*");
 * }</pre>
 *
 * @param command the ssh program and its options; the host name is appended, then the remote command
 * @param java the java executable on the remote host
 * @param classpath the classpath on the remote host; it must hold procpool-core (and slf4j-api)
 */
public record SshOptions(List<String> command, String java, String classpath) {
    public SshOptions {
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("the ssh command must not be empty");
        }
        Objects.requireNonNull(java, "java");
        Objects.requireNonNull(classpath, "classpath");
    }

    /**
     * {@code ssh -o BatchMode=yes} (no password prompt: it fails instead of hanging), {@code java}
     * from the remote PATH, and this JVM's own classpath (the same install path on both hosts).
     */
    public static SshOptions defaults() {
        return new SshOptions(List.of("ssh", "-o", "BatchMode=yes"), "java",
                System.getProperty("java.class.path").replace(File.pathSeparatorChar, ':'));
    }

    /** The same options with another ssh command. */
    public SshOptions withCommand(List<String> command) {
        return new SshOptions(command, java, classpath);
    }

    /** The same options with another remote java. */
    public SshOptions withJava(String java) {
        return new SshOptions(command, java, classpath);
    }

    /** The same options with another remote classpath. */
    public SshOptions withClasspath(String classpath) {
        return new SshOptions(command, java, classpath);
    }
}
