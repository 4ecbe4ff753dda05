package org.netstack4j.cli;

import org.netstack4j.hw.link.ExternalMedium;
import org.netstack4j.lab.StandaloneHost;
import org.netstack4j.nio.NetstackSelectorProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code run}: a host on a TAP device or the switch, netstack4j's NIO provider as the JVM's, and
 * an unmodified program's main class on it.
 */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Runs an unmodified Java program on netstack4j: starts a host on a TAP device or the switch (as 'up' "
                        + "takes them), installs netstack4j as the JVM's java.nio SelectorProvider, and calls CLASS's main "
                        + "with ARGS. Its NIO channels (SocketChannel, ServerSocketChannel, DatagramChannel, Selector: "
                        + "what the JDK's HttpServer and HttpClient and Netty's NIO transport use) go over netstack4j; "
                        + "classic java.net.Socket stays on the kernel. Ends when the program's threads have ended.",
                "Example, the JDK's HTTP server on netstack4j, reached from Linux:",
                "  sudo ip netns exec lab ./netstack4j run --tap tap0 --ip 10.0.2.15/24 -- \\\\",
                "      org.netstack4j.nio.examples.HelloHttpServer 8080",
                "  sudo ip netns exec lab curl http://10.0.2.15:8080/"})
final class RunCommand implements Callable<Integer> {
    static final String PROVIDER_PROPERTY = "java.nio.channels.spi.SelectorProvider";

    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    MediumOptions medium;

    @CommandLine.Mixin
    HostOptions host;

    @CommandLine.Mixin
    WakeModeOption wake;

    @Option(names = "--cp", paramLabel = "PATH",
            description = "Where CLASS and its libraries are (jars and directories, ':'-separated). Default: netstack4j's own.")
    String classPath;

    @Parameters(index = "0", paramLabel = "CLASS", description = "The main class to run.")
    String mainClass;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Its arguments.")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Method main = findMain(); // a bad CLASS is a usage error before anything is installed
        // Before anything touches java.nio: the JVM reads the property once, at the first provider() call.
        if (System.getProperty(PROVIDER_PROPERTY) == null) {
            System.setProperty(PROVIDER_PROPERTY, NetstackSelectorProvider.class.getName());
        }
        if (!(SelectorProvider.provider() instanceof NetstackSelectorProvider)) {
            err.println("netstack4j run: java.nio's provider was chosen before run could install netstack4j's "
                    + "(start the JVM with -D" + PROVIDER_PROPERTY + "=" + NetstackSelectorProvider.class.getName() + ")");
            err.flush();
            return Main.EXIT_FAILED;
        }
        host.validate();
        ExternalMedium opened = medium.open("run", err);
        if (opened == null) {
            return Main.EXIT_FAILED;
        }
        try (StandaloneHost h = StandaloneHost.start(opened, host.plainHost(wake.mode))) {
            NetstackSelectorProvider.install(h.host());
            err.println("netstack4j run: " + host.address + " on " + opened.describe() + "; " + mainClass + " "
                    + String.join(" ", args));
            err.flush();
            try {
                main.invoke(null, (Object) args.toArray(String[]::new));
            } catch (InvocationTargetException e) {
                err.println("netstack4j run: " + mainClass + " failed: " + e.getCause());
                err.flush();
                return Main.EXIT_FAILED;
            }
            awaitProgramThreads();
            return Main.EXIT_OK;
        }
    }

    private Method findMain() throws Exception {
        ClassLoader loader = RunCommand.class.getClassLoader();
        if (classPath != null) {
            List<URL> urls = new ArrayList<>();
            for (String part : classPath.split(":")) {
                if (!part.isEmpty()) {
                    urls.add(Path.of(part).toUri().toURL());
                }
            }
            loader = new URLClassLoader(urls.toArray(URL[]::new), loader);
        }
        Class<?> c;
        try {
            c = Class.forName(mainClass, true, loader);
        } catch (ClassNotFoundException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no class " + mainClass
                    + (classPath == null ? " (give --cp where it is)" : " on " + classPath));
        }
        Method m;
        try {
            m = c.getMethod("main", String[].class);
        } catch (NoSuchMethodException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), mainClass + " has no public static main(String[])");
        }
        if (!Modifier.isStatic(m.getModifiers())) {
            throw new CommandLine.ParameterException(spec.commandLine(), mainClass + "'s main is not static");
        }
        return m;
    }

    /** As the JVM does after main: waits for the program's non-daemon threads to end. */
    private static void awaitProgramThreads() throws InterruptedException {
        while (true) {
            Thread other = null;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t != Thread.currentThread() && !t.isDaemon() && t.isAlive() && !t.getName().equals("DestroyJavaVM")) {
                    other = t;
                    break;
                }
            }
            if (other == null) {
                return;
            }
            other.join();
        }
    }
}
