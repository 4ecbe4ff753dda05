package org.netstack4j.bench;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.TapDevice;
import org.netstack4j.lab.Netns;
import org.netstack4j.lab.StandaloneHost;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * UDP echo over real links, in one run: a netstack4j host talking to Linux over a TAP device,
 * beside Linux talking to Linux over a veth pair. Not a test; figures only.
 *
 * <p>Each side keeps a window of 64-byte datagrams in flight to a UDP echo server on Linux (the
 * JDK's sockets on the kernel's stack, {@link UdpEchoPeer}) and counts the echoes per second.
 * Over TAP the client is netstack4j (socket, stack, driver, E1000 model, TAP device); over veth
 * it is the JDK's sockets in a second namespace, so both runs share the server and its kernel
 * and differ in the client's stack and link. Everything happens in namespaces the benchmark
 * makes and removes (10.0.2.0/24); every phase is bounded in time and count. Needs root and
 * /dev/net/tun.
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *       org.netstack4j.bench.TapUdpBench [--seconds 3] [--windows 1,32] [--mode napi] [--payload 64]
 * </pre>
 */
public final class TapUdpBench {
    /** No phase counts more echoes than this, however fast. */
    static final long MAX_ECHOES = 50_000_000L;
    private static final String CLIENT = "10.0.2.15";
    private static final String SERVER = "10.0.2.2";
    private static final int PORT = 7;

    private TapUdpBench() {
    }

    public static void main(String[] args) throws Exception {
        long seconds = 3;
        long warmup = 2;
        List<Integer> windows = List.of(1, 32);
        WakeMode mode = WakeMode.NAPI;
        int payload = 64;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = bounded(args[++i], 1, 60);
                case "--warmup" -> warmup = bounded(args[++i], 0, 30);
                case "--windows" -> {
                    windows = new ArrayList<>();
                    for (String w : args[++i].split(",")) {
                        windows.add((int) bounded(w, 1, 256));
                    }
                }
                case "--mode" -> mode = WakeMode.parse(args[++i]);
                case "--payload" -> payload = (int) bounded(args[++i], 1, 1472);
                default -> {
                    System.err.println("usage: TapUdpBench [--seconds 1..60] [--warmup 0..30] [--windows 1,32] "
                            + "[--mode interrupt|napi|poll] [--payload 1..1472]");
                    System.exit(2);
                }
            }
        }
        String problem = problem();
        if (problem != null) {
            System.err.println("TapUdpBench needs " + problem);
            System.exit(2);
        }
        System.out.printf(Locale.ROOT, "UDP echo over real links: %d-byte datagrams, %d s per figure after %d s warm-up, "
                + "netstack4j in %s mode; %d cores%n", payload, seconds, warmup, mode.cliName(),
                Runtime.getRuntime().availableProcessors());
        for (int window : windows) {
            UdpEchoPeer.Result tap = overTap(mode, window, warmup, seconds, payload);
            UdpEchoPeer.Result veth = overVeth(window, warmup, seconds, payload);
            print("netstack4j <-> Linux, TAP", window, tap);
            print("Linux <-> Linux, veth", window, veth);
            System.out.printf(Locale.ROOT, "  window %-3d netstack4j/Linux: %.2f%n", window, tap.perSecond() / veth.perSecond());
        }
    }

    private static long bounded(String s, long min, long max) {
        long v = Long.parseLong(s);
        if (v < min || v > max) {
            throw new IllegalArgumentException(s + " is not in " + min + ".." + max);
        }
        return v;
    }

    private static void print(String what, int window, UdpEchoPeer.Result r) {
        System.out.printf(Locale.ROOT, "  window %-3d %-28s %,10.0f echoes/s  (%,10.0f packets/s, %.1f us per echo)  lost %d%n",
                window, what, r.perSecond(), 2 * r.perSecond(), r.nanos() / 1e3 / Math.max(1, r.echoes()) * window,
                r.lost());
    }

    private static String problem() throws Exception {
        String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: ?").split("\\s+")[1];
        if (!uid.equals("0")) {
            return "root (it makes network namespaces and a TAP device)";
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            return "/dev/net/tun";
        }
        return null;
    }

    /** Starts the JDK echo server in {@code ns}, for a little longer than the phase needs. */
    private static Netns.Background server(Netns ns, long seconds) throws Exception {
        Netns.Background b = ns.start(java(UdpEchoPeer.class, "serve", SERVER, Integer.toString(PORT), Long.toString(seconds)));
        b.awaitOutput("serving", Duration.ofSeconds(60));
        return b;
    }

    private static String[] java(Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return cmd.toArray(String[]::new);
    }

    /** netstack4j's host on a TAP device in a namespace where Linux runs the echo server. */
    private static UdpEchoPeer.Result overTap(WakeMode mode, int window, long warmup, long seconds, int payload)
            throws Exception {
        try (Netns ns = Netns.create()) {
            TapDevice tap = TapDevice.open(Netns.newInterfaceName());
            StandaloneHost host;
            try {
                ns.adopt(tap.name());
                ns.ip("addr", "add", SERVER + "/24", "dev", tap.name());
                ns.ip("link", "set", "dev", tap.name(), "up");
            } catch (Exception e) {
                tap.close();
                throw e;
            }
            host = StandaloneHost.start(tap, StandaloneHost.Options.labGuest(mode));
            try {
                server(ns, warmup + seconds + 30);
                try (UdpSocket s = UdpSocket.open(host.host())) {
                    s.setTimeout(Duration.ofMillis(200));
                    s.connect(Ipv4Address.parseBits(SERVER), PORT);
                    byte[] data = new byte[payload];
                    byte[] in = new byte[2048];
                    run(s, data, in, window, warmup * 1_000_000_000L);
                    return run(s, data, in, window, seconds * 1_000_000_000L);
                }
            } finally {
                host.close();
            }
        }
    }

    private static UdpEchoPeer.Result run(UdpSocket s, byte[] data, byte[] in, int window, long nanos) throws Exception {
        long echoes = 0;
        long lost = 0;
        long start = System.nanoTime();
        long deadline = start + nanos;
        for (int i = 0; i < window; i++) {
            s.send(data);
        }
        while (System.nanoTime() < deadline && echoes < MAX_ECHOES) {
            try {
                s.receive(in);
                echoes++;
                s.send(data);
            } catch (SocketTimeoutException e) {
                lost += window;
                for (int i = 0; i < window; i++) {
                    s.send(data);
                }
            }
        }
        long elapsed = System.nanoTime() - start;
        try {
            while (true) {
                s.receive(in);
            }
        } catch (SocketTimeoutException e) {
            // drained
        }
        return new UdpEchoPeer.Result(echoes, lost, elapsed);
    }

    /** Two namespaces joined by a veth pair: the JDK's client in one, the same echo server in the other. */
    private static UdpEchoPeer.Result overVeth(int window, long warmup, long seconds, int payload) throws Exception {
        try (Netns client = Netns.create(); Netns server = Netns.create()) {
            String a = Netns.newInterfaceName();
            String b = Netns.newInterfaceName();
            // Made in the client's namespace with the far end straight in the server's: never in ours.
            client.ip("link", "add", a, "type", "veth", "peer", "name", b, "netns", server.name());
            client.ip("addr", "add", CLIENT + "/24", "dev", a);
            server.ip("addr", "add", SERVER + "/24", "dev", b);
            client.ip("link", "set", "dev", a, "up");
            server.ip("link", "set", "dev", b, "up");
            server(server, warmup + seconds + 30);
            Netns.Result r = client.exec(Duration.ofSeconds(warmup + seconds + 60), java(UdpEchoPeer.class, "client",
                    SERVER, Integer.toString(PORT), Integer.toString(window), Long.toString(warmup),
                    Long.toString(seconds), Integer.toString(payload)));
            if (!r.ok()) {
                throw new IllegalStateException("the veth client failed: " + r.output());
            }
            return UdpEchoPeer.Result.parse(r.out());
        }
    }
}
