package org.netstack4j.nio.examples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A blocking NIO client: sends {@code rounds} messages of growing size to an echo server and
 * checks each comes back whole. Prints "echoed N bytes in R rounds" and exits 0, or exits 1.
 * Usage: {@code NioEchoClient HOST PORT ROUNDS}.
 */
public final class NioEchoClient {
    private NioEchoClient() {
    }

    /** Returns the bytes echoed; throws if an echo differed. */
    public static long run(String host, int port, int rounds) throws IOException {
        SplittableRandom random = new SplittableRandom(rounds);
        long total = 0;
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress(host, port))) {
            for (int r = 0; r < rounds; r++) {
                byte[] message = new byte[1 + r * 997 % 20_000];
                random.nextBytes(message);
                ByteBuffer out = ByteBuffer.wrap(message);
                while (out.hasRemaining()) {
                    c.write(out);
                }
                ByteBuffer in = ByteBuffer.allocate(message.length);
                while (in.hasRemaining()) {
                    if (c.read(in) < 0) {
                        throw new IOException("the server closed after " + in.position() + " of " + message.length);
                    }
                }
                if (!Arrays.equals(in.array(), message)) {
                    throw new IOException("round " + r + " came back different");
                }
                total += message.length;
            }
        }
        return total;
    }

    public static void main(String[] args) throws IOException {
        int rounds = Integer.parseInt(args[2]);
        long total = run(args[0], Integer.parseInt(args[1]), rounds);
        System.out.println("echoed " + total + " bytes in " + rounds + " rounds");
    }
}
