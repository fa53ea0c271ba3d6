package dev.procpool.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code procpool} command: the top command and its subcommands ({@code version},
 * {@code demo}, {@code run}, {@code worker-server}, {@code log-server}, {@code status}, {@code help}).
 *
 * <pre>{@code
 * $ procpool demo              # see what procpool does, in plain words
 * $ procpool version
 * $ procpool help demo
 *
 * // in-process, e.g. from a test:
 * int exitCode = Main.commandLine().execute("version");
 * }</pre>
 *
 * <p>Exit codes: 0 on success, 1 when something unexpected happened while running, 2 for bad
 * input (unknown option or subcommand, bad value). Errors are one line on stderr, never a stack
 * trace: a person reads this output, and the trace says nothing to them.
 */
@Command(
        name = "procpool",
        // INHERIT gives every subcommand --help and --version without repeating them
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = {
            "Runs work in threads and child JVMs behind one API, and keeps control of it.",
            "New here? Run 'procpool demo'.",
        },
        subcommands = {VersionCommand.class, DemoCommand.class, dev.procpool.cli.run.RunCommand.class,
            WorkerServerCommand.class, LogServerCommand.class, StatusCommand.class, HelpCommand.class})
public final class Main implements Runnable {

    @Spec
    CommandSpec spec;

    /** Runs the command with {@code args} and exits the JVM with its exit code. */
    public static void main(String[] args) {
        // procpool run starts its jobs from this JVM: VFORK spawns about twice as fast as the default
        // POSIX_SPAWN (which execs a helper first). It must be chosen before the first process
        // starts; JDK 21+ deprecates it and warns, so there the default stays.
        if (Runtime.version().feature() < 21 && System.getProperty("jdk.lang.Process.launchMechanism") == null) {
            System.setProperty("jdk.lang.Process.launchMechanism", "VFORK");
        }
        // procpool run passes every byte of its arguments through, whatever the locale
        String[] argv = args.length > 0 && args[0].equals("run") ? dev.procpool.cli.run.RunCommand.rawArguments(args) : args;
        System.exit(commandLine().execute(argv));
    }

    /**
     * A ready-to-run command line with procpool's error handling: callers may redirect its output
     * with {@link CommandLine#setOut} and {@link CommandLine#setErr} before {@code execute}.
     */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        // procpool run: options come before the command, and everything after it is the command's
        CommandLine run = cmd.getSubcommands().get("run");
        run.setStopAtPositional(true).setUnmatchedOptionsArePositionalParams(false);
        dev.procpool.cli.run.RunCommand.registerUnsupportedOptions(run);
        cmd.setParameterExceptionHandler(Main::handleBadInput);
        cmd.setExecutionExceptionHandler(Main::handleFailure);
        return cmd;
    }

    /** {@code procpool} alone has nothing to do; treat it as bad input so scripts notice. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: try 'procpool demo'");
    }

    /** One line saying what was wrong, one saying where help is: exit code 2. */
    private static int handleBadInput(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("procpool: " + describe(ex));
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static String describe(ParameterException ex) {
        String message = firstLine(ex.getMessage());
        if (!(ex instanceof UnmatchedArgumentException unmatched) || unmatched.getUnmatched().isEmpty()) {
            return message;
        }
        String first = unmatched.getUnmatched().get(0);
        List<String> suggestions = unmatched.getSuggestions();
        if (unmatched.isUnknownOption()) {
            return suggestions.isEmpty() ? message : message + " (did you mean '" + suggestions.get(0) + "'?)";
        }
        // picocli says "unmatched argument at index N" for a stray word; name what it is instead
        Set<String> subcommands = ex.getCommandLine().getSubcommands().keySet();
        if (subcommands.isEmpty()) {
            return "unexpected argument '" + first + "'";
        }
        return "unknown subcommand '" + first + "' (" + (suggestions.isEmpty()
                ? "known ones: " + String.join(", ", subcommands)
                : "did you mean '" + suggestions.get(0) + "'?") + ")";
    }

    /** An exception escaped a subcommand: one line, exit code 1. */
    private static int handleFailure(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        String message = ex.getMessage() == null || ex.getMessage().isBlank()
                ? ex.getClass().getSimpleName()
                : firstLine(ex.getMessage());
        cmd.getErr().println("procpool: " + message);
        cmd.getErr().flush();
        return cmd.getCommandSpec().exitCodeOnExecutionException();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
