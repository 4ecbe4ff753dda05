package org.netstack4j.cli;

import org.netstack4j.hw.link.ExternalMedium;
import org.netstack4j.lab.StandaloneHost;
import org.netstack4j.socket.TcpListener;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.wire.Ipv4Address;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * netcat on netstack4j's TCP: {@code nc HOST PORT} connects, {@code nc -l PORT} accepts one
 * connection; standard input goes to the connection and the connection to standard output, on a
 * host of its own on a TAP device or the switch (as {@code up} takes them).
 */
@Command(name = "nc",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "netcat over netstack4j's TCP, like OpenBSD's nc: 'nc HOST PORT' connects to HOST:PORT, 'nc -l PORT' "
                        + "waits for one connection on PORT. Standard input goes to the connection, what arrives goes "
                        + "to standard output. At the end of standard input nc shuts its side down (as OpenBSD's nc -N "
                        + "does), and it exits once the peer has closed too: 0, or 1 if the connection failed (refused, "
                        + "timed out, reset), with one line on stderr as nc prints it.",
                "The host runs on a real medium, as 'up' does (--tap, --switch), with --ip/--gw/--mac or --dhcp.",
                "Example, Linux in a namespace as the other end:",
                "  ip netns exec lab nc -l 5000 > got &",
                "  ip netns exec lab ./netstack4j nc --tap tap0 --ip 10.0.2.15/24 10.0.2.2 5000 < file",
                "Example, two processes on the switch:",
                "  ./netstack4j switch --listen unix:/tmp/lab.sock &",
                "  ./netstack4j nc -l 5000 --switch unix:/tmp/lab.sock --ip 10.0.2.2/24 --mac 52:55:0a:00:02:02 > got &",
                "  ./netstack4j nc --switch unix:/tmp/lab.sock --ip 10.0.2.15/24 10.0.2.2 5000 < file"})
final class NcCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    MediumOptions medium;

    @CommandLine.Mixin
    HostOptions host;

    @CommandLine.Mixin
    WakeModeOption wake;

    @Option(names = "-l", description = "Listen: wait for one connection on PORT instead of connecting.")
    boolean listen;

    @Option(names = "-w", paramLabel = "SECS",
            description = "Give up on a connect, or on a connection quiet for this long, after SECS seconds. Default: none.")
    Integer waitSeconds;

    @Option(names = "-v", description = "Say on stderr when the connection opens.")
    boolean verbose;

    @Parameters(arity = "1..2", paramLabel = "[HOST] PORT", description = "Where to connect (HOST PORT), or with -l the PORT.")
    List<String> where;

    /** Where standard input comes from (tests may replace it). */
    InputStream in = System.in;
    /** Where what arrives goes. */
    OutputStream out = System.out;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        int address = 0;
        String portText;
        if (listen) {
            if (where.size() != 1) {
                throw bad("with -l give only the PORT to listen on");
            }
            portText = where.get(0);
        } else {
            if (where.size() != 2) {
                throw bad("give HOST PORT to connect to (or -l PORT to listen)");
            }
            try {
                address = Ipv4Address.parseBits(where.get(0));
            } catch (IllegalArgumentException e) {
                throw bad("HOST must be an IPv4 address, not '" + where.get(0) + "'");
            }
            portText = where.get(1);
        }
        int port = port(portText);
        if (waitSeconds != null && (waitSeconds < 1 || waitSeconds > 86_400)) {
            throw bad("-w must be 1..86400 seconds, not " + waitSeconds);
        }
        host.validate();
        ExternalMedium opened = medium.open("nc", err);
        if (opened == null) {
            return Main.EXIT_FAILED;
        }
        try (StandaloneHost h = StandaloneHost.start(opened, host.plainHost(wake.mode))) {
            Duration wait = waitSeconds == null ? Duration.ZERO : Duration.ofSeconds(waitSeconds);
            TcpSocket s;
            String target = listen ? "port " + port : Ipv4Address.format(address) + " port " + port;
            try {
                if (listen) {
                    try (TcpListener l = TcpListener.listen(h.host(), port, 1)) {
                        s = l.accept(wait);
                    }
                } else {
                    s = TcpSocket.connect(h.host(), address, port, waitSeconds == null ? Duration.ofSeconds(75) : wait);
                }
            } catch (ConnectException | SocketTimeoutException e) {
                err.println("nc: connect to " + target + " (tcp) failed: "
                        + (e instanceof SocketTimeoutException ? "Operation timed out" : "Connection refused"));
                err.flush();
                return Main.EXIT_FAILED;
            } catch (IOException e) {
                err.println("nc: " + target + ": " + e.getMessage());
                err.flush();
                return Main.EXIT_FAILED;
            }
            if (verbose) {
                err.println("Connection " + (listen ? "received on " : "to ") + target + " [tcp] succeeded!");
                err.flush();
            }
            return relay(s, wait, err);
        }
    }

    /** stdin to the connection on a thread of its own; the connection to stdout on this one. */
    private int relay(TcpSocket s, Duration wait, PrintWriter err) throws InterruptedException {
        s.setTimeout(wait);
        Throwable[] sendFailure = new Throwable[1];
        Thread sender = Thread.ofPlatform().name("nc-stdin").daemon().start(() -> {
            byte[] buf = new byte[64 * 1024];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    s.write(buf, 0, n);
                }
                s.shutdownOutput();
            } catch (IOException e) {
                sendFailure[0] = e;
            }
        });
        int status = Main.EXIT_OK;
        byte[] buf = new byte[64 * 1024];
        try {
            int n;
            while ((n = s.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
            sender.join(); // the peer has finished; what we still send goes out before the close
            if (sendFailure[0] == null && !s.close(Duration.ofSeconds(waitSeconds == null ? 60 : waitSeconds))) {
                err.println("nc: the peer did not take everything sent within the wait");
                status = Main.EXIT_FAILED;
            }
        } catch (IOException e) {
            err.println("nc: " + (e instanceof SocketTimeoutException ? "timed out: nothing for " + wait.toSeconds() + " s"
                    : e.getMessage()));
            status = Main.EXIT_FAILED;
        } finally {
            s.close();
        }
        if (sendFailure[0] != null && status == Main.EXIT_OK) {
            err.println("nc: " + sendFailure[0].getMessage());
            status = Main.EXIT_FAILED;
        }
        err.flush();
        return status;
    }

    private int port(String text) {
        try {
            int p = Integer.parseInt(text);
            if (p >= 1 && p <= 65_535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // said below
        }
        throw bad("port must be 1..65535, not '" + text + "'");
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
