package org.netstack4j.bench;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Locale;

/**
 * Linux's side of {@link TapUdpBench}: the JDK's sockets on the kernel's stack, run in a network
 * namespace as a process of its own ({@code ip netns exec NS java -cp benchmarks.jar ...}).
 *
 * <pre>
 *   serve ADDR PORT SECONDS                                  echo every datagram back, for at most SECONDS
 *   client ADDR PORT WINDOW WARMUP_S SECONDS PAYLOAD         keep WINDOW datagrams in flight; print the result
 * </pre>
 */
public final class UdpEchoPeer {
    private UdpEchoPeer() {
    }

    /** Echoes received, datagrams given up on (no answer within 200 ms), and the measured time. */
    record Result(long echoes, long lost, long nanos) {
        double perSecond() {
            return echoes * 1e9 / nanos;
        }

        String line() {
            return String.format(Locale.ROOT, "result echoes=%d lost=%d nanos=%d", echoes, lost, nanos);
        }

        static Result parse(String output) {
            for (String l : output.split("\n")) {
                if (l.startsWith("result ")) {
                    String[] f = l.split(" ");
                    return new Result(Long.parseLong(f[1].substring(7)), Long.parseLong(f[2].substring(5)),
                            Long.parseLong(f[3].substring(6)));
                }
            }
            throw new IllegalStateException("no result in:\n" + output);
        }
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "serve" -> serve(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]));
            case "client" -> System.out.println(client(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Long.parseLong(args[4]), Long.parseLong(args[5]), Integer.parseInt(args[6])).line());
            default -> throw new IllegalArgumentException("serve or client, not " + args[0]);
        }
    }

    private static void serve(String address, int port, long seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), port))) {
            s.setSoTimeout(250);
            System.out.println("serving " + address + ":" + port);
            System.out.flush();
            DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
            while (System.nanoTime() < deadline) {
                p.setLength(65_536);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                s.send(p); // back to where it came from
            }
        }
    }

    /** The echo loop, the same as the netstack4j client's: a window of datagrams in flight. */
    static Result client(String address, int port, int window, long warmupSeconds, long seconds, int payload)
            throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(address), port));
            s.setSoTimeout(200);
            byte[] data = new byte[payload];
            DatagramPacket out = new DatagramPacket(data, payload);
            DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
            run(s, out, in, window, warmupSeconds * 1_000_000_000L);
            return run(s, out, in, window, seconds * 1_000_000_000L);
        }
    }

    private static Result run(DatagramSocket s, DatagramPacket out, DatagramPacket in, int window, long nanos)
            throws Exception {
        long echoes = 0;
        long lost = 0;
        long start = System.nanoTime();
        long deadline = start + nanos;
        for (int i = 0; i < window; i++) {
            s.send(out);
        }
        int inFlight = window;
        while (System.nanoTime() < deadline && echoes < TapUdpBench.MAX_ECHOES) {
            try {
                in.setLength(2048);
                s.receive(in);
                echoes++;
                s.send(out);
            } catch (SocketTimeoutException e) {
                lost += inFlight;
                for (int i = 0; i < window; i++) {
                    s.send(out);
                }
            }
        }
        long elapsed = System.nanoTime() - start;
        // Drain what is still in flight, so the next phase starts clean.
        try {
            while (true) {
                in.setLength(2048);
                s.receive(in);
            }
        } catch (SocketTimeoutException e) {
            // drained
        }
        return new Result(echoes, lost, elapsed);
    }
}
