package org.netstack4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * The {@code netstack4j} command. Exit status: 0 success, 1 the run failed (a check did not hold,
 * an I/O error), 2 bad arguments.
 */
@Command(name = "netstack4j",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A user-space TCP/IP stack for the JVM, with a software E1000 network card and its driver.",
        subcommands = {DemoCommand.class, UpCommand.class, NcCommand.class, KvCommand.class, RunCommand.class, SwitchCommand.class, PingCommand.class, StatsCommand.class,
                FramesCommand.class, LivelockCommand.class, LossCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit status: 0 success, 1 the run failed, 2 bad arguments.",
                "Run 'netstack4j COMMAND --help' for a command's options."})
public final class Main implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    /** Columns of --help output. */
    static final int USAGE_WIDTH = 110;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(newCommandLine(null, null).execute(args));
    }

    /**
     * The command line, ready to {@link CommandLine#execute execute}; {@code out} and {@code err}
     * replace stdout and stderr when not null (tests capture them this way).
     */
    public static CommandLine newCommandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        if (out != null) {
            cl.setOut(out);
        }
        if (err != null) {
            cl.setErr(err);
        }
        // Wide enough that no example line in a description wraps (a wrapped MAC cannot be pasted);
        // picocli wraps descriptions at spaces within this width.
        cl.setUsageHelpWidth(USAGE_WIDTH);
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? EXIT_USAGE : EXIT_FAILED);
        cl.setParameterExceptionHandler(Main::badArguments);
        cl.setExecutionExceptionHandler(Main::failed);
        return cl;
    }

    /** With no command: the usage, on stderr, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    /** One line: what was wrong and where to look, no stack trace. */
    private static int badArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String command = cl.getCommandSpec().qualifiedName();
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        if (e instanceof CommandLine.UnmatchedArgumentException u && !cl.getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-")) {
            message = "unknown command '" + u.getUnmatched().getFirst() + "' (commands: "
                    + String.join(", ", cl.getSubcommands().keySet()) + ")";
        }
        message = message.replace(System.lineSeparator(), "; ").replace("\n", "; ");
        PrintWriter err = cl.getErr();
        err.println(command + ": " + message + " (see '" + command + " --help')");
        err.flush();
        return EXIT_USAGE;
    }

    /** An unexpected failure: one line, and the stack trace only when NETSTACK4J_DEBUG is set. */
    private static int failed(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        String message = e.getMessage() == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        err.println(cl.getCommandSpec().qualifiedName() + ": error: " + message.replace('\n', ' '));
        if (System.getenv("NETSTACK4J_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILED;
    }

    /** The project version from the build, and the Java runtime. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"netstack4j " + projectVersion(),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")"};
        }

        static String projectVersion() {
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    return p.getProperty("version", "unknown");
                }
            } catch (IOException e) {
                // fall through
            }
            return "unknown";
        }
    }
}
