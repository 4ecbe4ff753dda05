package org.netstack4j.hw.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;

/**
 * A hand-written client of a switch, with no code of the medium under test: over a Unix stream it
 * writes and reads the raw bytes of QEMU's framing itself, over UDP it sends and receives plain
 * datagrams. Every wait has a deadline.
 */
final class RawSwitchClient implements AutoCloseable {
    private final SocketChannel stream;
    private final DatagramChannel datagram;
    private final Selector selector;

    private RawSwitchClient(SocketChannel stream, DatagramChannel datagram) throws IOException {
        this.stream = stream;
        this.datagram = datagram;
        this.selector = Selector.open();
        (stream != null ? stream : datagram).configureBlocking(false);
        (stream != null ? stream : datagram).register(selector, SelectionKey.OP_READ);
    }

    static RawSwitchClient connect(SwitchAddress address) throws IOException {
        if (address.kind() == SwitchAddress.Kind.UNIX) {
            SocketChannel c = SocketChannel.open(address.socketAddress());
            return new RawSwitchClient(c, null);
        }
        DatagramChannel d = DatagramChannel.open(StandardProtocolFamily.INET);
        d.bind(new InetSocketAddress(SwitchAddress.LOOPBACK, 0));
        d.connect(address.socketAddress());
        return new RawSwitchClient(null, d);
    }

    /** Sends one frame: on a stream its 4-byte big-endian length and the frame; over UDP one datagram. */
    void send(byte[] frame) throws IOException {
        if (stream != null) {
            ByteBuffer b = ByteBuffer.allocate(4 + frame.length);
            b.putInt(frame.length).put(frame).flip();
            writeRaw(b.array());
        } else {
            datagram.write(ByteBuffer.wrap(frame));
        }
    }

    /** Writes bytes to the stream as they are (for bad prefixes, split frames). */
    void writeRaw(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (b.hasRemaining()) {
            if (stream.write(b) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the switch does not take our bytes");
                }
                Thread.onSpinWait();
            }
        }
    }

    /** Says hello over UDP and waits for the answer. */
    void hello(Duration timeout) throws IOException {
        datagram.write(ByteBuffer.wrap(SwitchLink.HELLO));
        byte[] answer = receive(timeout);
        if (answer == null || !Arrays.equals(answer, SwitchLink.HELLO)) {
            throw new IOException("no hello back: " + (answer == null ? "nothing" : answer.length + " bytes"));
        }
    }

    /**
     * The next frame: on a stream, exactly the bytes of the next prefix and frame read raw and the
     * frame returned; over UDP the next datagram. Null if nothing came within {@code timeout}.
     */
    byte[] receive(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (datagram != null) {
            ByteBuffer b = ByteBuffer.allocate(65_536);
            while (true) {
                if (datagram.receive(b) != null) {
                    return Arrays.copyOf(b.array(), b.position());
                }
                if (!await(deadline)) {
                    return null;
                }
            }
        }
        byte[] header = readExactly(4, deadline);
        if (header == null) {
            return null;
        }
        int length = ByteBuffer.wrap(header).getInt();
        byte[] frame = readExactly(length, deadline);
        if (frame == null) {
            throw new IOException("a prefix of " + length + " bytes and then not the frame");
        }
        return frame;
    }

    /** Exactly {@code n} bytes from the stream, or null if they did not all come by the deadline. */
    byte[] readExactly(int n, long deadline) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            int r = stream.read(b);
            if (r < 0) {
                throw new IOException("the switch closed the connection after " + b.position() + " of " + n + " bytes");
            }
            if (r == 0 && !await(deadline)) {
                return b.position() == 0 ? null : failShort(b.position(), n);
            }
        }
        return b.array();
    }

    private static byte[] failShort(int got, int n) throws IOException {
        throw new IOException("only " + got + " of " + n + " bytes arrived");
    }

    /** True once the switch has closed this connection (EOF or reset) within {@code timeout}; bytes before it are skipped. */
    boolean closedBySwitch(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteBuffer b = ByteBuffer.allocate(65_536);
        while (true) {
            b.clear();
            int r;
            try {
                r = stream.read(b);
            } catch (IOException reset) {
                return true;
            }
            if (r < 0) {
                return true;
            }
            if (r == 0 && !await(deadline)) {
                return false;
            }
        }
    }

    private boolean await(long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        selector.select(Math.max(1, left / 1_000_000));
        selector.selectedKeys().clear();
        return true;
    }

    /** The local UDP port (the switch knows this client by it). */
    int localPort() throws IOException {
        return ((InetSocketAddress) datagram.getLocalAddress()).getPort();
    }

    @Override
    public void close() throws IOException {
        selector.close();
        if (stream != null) {
            stream.close();
        } else {
            datagram.close();
        }
    }
}
