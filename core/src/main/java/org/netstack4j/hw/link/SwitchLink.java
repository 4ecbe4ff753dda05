package org.netstack4j.hw.link;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A card's cable to a {@link SwitchServer switch in another process}: over a Unix stream socket in
 * QEMU's {@code -netdev stream} framing, or over UDP on 127.0.0.1 as {@code -netdev dgram} sends
 * frames, so several JVMs (and QEMU virtual machines) share one Ethernet without root. The same
 * framing lets it plug straight into a QEMU {@code -netdev stream,server=on} socket, too.
 *
 * <p>What the card transmits is sent on the card's own thread and never blocks it: the socket is
 * non-blocking, and on a stream what the socket does not take at once waits in a bounded queue
 * ({@link QemuStream.Queue}); a frame that does not fit is dropped and counted, as the switch does
 * for a slow host. A platform thread waits in a {@link Selector} for frames from the switch, hands
 * each to the card's input on that thread (hardware work runs where it starts), and writes out
 * what is queued when the socket can take it.
 *
 * <p>If the switch goes away, a stream link goes down: the card is detached (its link-up bit
 * clears), {@link #lastError()} says why, and {@link #isConnected()} turns false. A UDP link has no
 * connection to lose: it counts the errors, keeps saying hello every {@link #HELLO_INTERVAL_NANOS},
 * and carries frames again when a switch is back on the port.
 *
 * <p>Close is clean: once {@link #close()} has begun, nothing more is written to the socket, the
 * receive thread is joined, and frames the card sends later are counted in {@code tx_after_close}.
 */
public final class SwitchLink extends AbstractExternalMedium {
    /** How often a UDP link says hello, so the switch keeps its port while it is silent. */
    public static final long HELLO_INTERVAL_NANOS = 5_000_000_000L;
    /**
     * The hello a UDP link sends and the switch answers with: shorter than an Ethernet header, so
     * it cannot be a frame (QEMU never sends one). An empty datagram would do, but NIO cannot send it.
     */
    static final byte[] HELLO = "ns4j-hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** How long opening a UDP link waits for the switch to answer its hello (in three tries). */
    public static final long HELLO_TIMEOUT_NANOS = 1_500_000_000L;
    /** Output queue of a stream link: frames the socket has not taken yet. */
    public static final int QUEUE_BYTES = 256 << 10;
    private static final long SELECT_MILLIS = 1000;
    private static final int DATAGRAMS_PER_WAKEUP = 64;
    private static final int UDP_SOCKET_BUFFER = 1 << 20;

    private final SwitchAddress address;
    private final SocketChannel stream;     // one of these two
    private final DatagramChannel datagram;
    private final Selector selector;
    private final QemuStream.Queue queue;   // stream only; guarded by txLock
    private final QemuStream.Decoder decoder;
    private final ByteBuffer txBuffer;      // UDP only; guarded by txLock
    private final MemorySegment txSegment;
    private final ByteBuffer rxBuffer;      // UDP only
    private final MemorySegment rxSegment;
    private volatile boolean wantWrite;
    private volatile boolean connected = true;
    private volatile String lastError;

    private volatile long rxFrames;
    private volatile long rxBytes;
    private volatile long rxErrors;
    private volatile long txFrames;
    private volatile long txBytes;
    private volatile long txQueueDrops;
    private volatile long txOversize;
    private volatile long txErrors;
    private volatile long txAfterClose;
    private volatile long hellosSent;
    private volatile long hellosAnswered;

    private SwitchLink(SwitchAddress address, SocketChannel stream, DatagramChannel datagram) throws IOException {
        super("switch-link");
        this.address = address;
        this.stream = stream;
        this.datagram = datagram;
        this.selector = KernelChannels.provider().openSelector();
        if (stream != null) {
            this.queue = new QemuStream.Queue(QUEUE_BYTES);
            this.decoder = new QemuStream.Decoder(QemuStream.MAX_FRAME);
            this.txBuffer = null;
            this.txSegment = null;
            this.rxBuffer = null;
            this.rxSegment = null;
        } else {
            this.queue = null;
            this.decoder = null;
            this.txBuffer = ByteBuffer.allocateDirect(QemuStream.MAX_FRAME);
            this.txSegment = MemorySegment.ofBuffer(txBuffer);
            this.rxBuffer = ByteBuffer.allocateDirect(QemuStream.MAX_FRAME + 1);
            this.rxSegment = MemorySegment.ofBuffer(rxBuffer);
        }
    }

    /**
     * Connects to the switch at {@code address}. A stream link connects; a UDP link says hello and
     * waits up to {@link #HELLO_TIMEOUT_NANOS} for the answer. When no switch is there, the
     * {@link IOException}'s message is one line naming the address and what was found instead.
     */
    public static SwitchLink open(SwitchAddress address) throws IOException {
        Objects.requireNonNull(address, "address");
        return address.kind() == SwitchAddress.Kind.UNIX ? openStream(address) : openDatagram(address);
    }

    private static SwitchLink openStream(SwitchAddress address) throws IOException {
        SocketChannel channel = KernelChannels.provider().openSocketChannel(StandardProtocolFamily.UNIX);
        try {
            channel.connect(address.socketAddress());
            channel.configureBlocking(false);
            return new SwitchLink(address, channel, null);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new IOException(noSwitch(address, e), e);
        }
    }

    private static String noSwitch(SwitchAddress address, IOException e) {
        String prefix = "no switch at " + address + ": ";
        String hint = " (start one with: netstack4j switch --listen " + address + ")";
        if (address.kind() == SwitchAddress.Kind.UNIX) {
            if (!Files.exists(address.path(), LinkOption.NOFOLLOW_LINKS)) {
                return prefix + "no such socket file" + hint;
            }
            if (e instanceof ConnectException) {
                return prefix + "nothing is listening on the socket (connection refused)" + hint;
            }
        }
        if (e instanceof PortUnreachableException) {
            return prefix + "nothing is listening on the port (port unreachable)" + hint;
        }
        return prefix + SwitchServer.describe(e) + hint;
    }

    private static SwitchLink openDatagram(SwitchAddress address) throws IOException {
        if (address.port() == 0) {
            throw new IOException("no switch at " + address + ": port 0 is not a switch's port");
        }
        DatagramChannel channel = KernelChannels.provider().openDatagramChannel(StandardProtocolFamily.INET);
        SwitchLink link = null;
        try {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, UDP_SOCKET_BUFFER);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, UDP_SOCKET_BUFFER);
            channel.bind(new InetSocketAddress(SwitchAddress.LOOPBACK, 0));
            channel.connect(address.socketAddress());
            channel.configureBlocking(false);
            link = new SwitchLink(address, null, channel);
            link.handshake();
            return link;
        } catch (IOException e) {
            if (link != null) {
                closeQuietly(link.selector);
            }
            closeQuietly(channel);
            throw e.getMessage() != null && e.getMessage().startsWith("no switch at ") ? e : new IOException(noSwitch(address, e), e);
        }
    }

    /** Says hello until the switch answers; a frame that arrives meanwhile (no card yet) is dropped. */
    private void handshake() throws IOException {
        SelectionKey key = datagram.register(selector, SelectionKey.OP_READ);
        long deadline = System.nanoTime() + HELLO_TIMEOUT_NANOS;
        try {
            for (int attempt = 0; attempt < 3; attempt++) {
                sayHello();
                long until = Math.min(deadline, System.nanoTime() + HELLO_TIMEOUT_NANOS / 3);
                long left;
                while ((left = until - System.nanoTime()) > 0) {
                    if (selector.select(Math.max(1, left / 1_000_000)) == 0) {
                        continue;
                    }
                    selector.selectedKeys().clear();
                    rxBuffer.clear();
                    if (datagram.receive(rxBuffer) != null) { // PortUnreachableException: nothing on the port
                        hellosAnswered++; // the answer, or a frame: either way the switch is there
                        return;
                    }
                }
            }
            throw new IOException("no switch at " + address + ": no answer to hello within "
                    + HELLO_TIMEOUT_NANOS / 1_000_000 + " ms (something else on the port, or a switch with no free port)");
        } finally {
            key.cancel();
            selector.selectNow(); // deregisters, so the receive loop can register again
        }
    }

    private void sayHello() throws IOException {
        datagram.write(ByteBuffer.wrap(HELLO));
        hellosSent++;
    }

    /** What this is, for people: {@code switch at unix:/tmp/sw.sock}. */
    @Override
    public String describe() {
        return "switch at " + address;
    }

    public SwitchAddress address() {
        return address;
    }

    /** Part of {@link #connect}: the socket is watched for frames from the switch before the card is attached. */
    @Override
    void beforeAttach() {
        try {
            (stream != null ? stream : datagram).register(selector, SelectionKey.OP_READ);
        } catch (ClosedChannelException e) {
            throw new IllegalStateException(describe() + " is closed", e);
        }
    }

    // ==== Transmit: the card's thread ============================================================

    @Override
    void transmit(MemorySegment frame, long offset, int length) {
        synchronized (txLock) {
            if (closed) {
                txAfterClose++;
                return;
            }
            if (length > QemuStream.MAX_FRAME || length <= 0) {
                txOversize++;
                return;
            }
            if (stream != null) {
                transmitStream(frame, offset, length);
            } else {
                transmitDatagram(frame, offset, length);
            }
        }
    }

    private void transmitStream(MemorySegment frame, long offset, int length) {
        if (!connected) {
            txErrors++;
            return;
        }
        boolean wasEmpty = queue.isEmpty();
        if (!queue.offer(frame, offset, length)) {
            txQueueDrops++;
            return;
        }
        txFrames++;
        txBytes += length; // Ethernet frame bytes, as rx_bytes and ip -s link count: not QEMU's length prefix
        if (!wasEmpty) {
            return; // the receive thread writes it out when the socket can take more
        }
        try {
            queue.writeTo(stream);
        } catch (IOException e) {
            txErrors++;
            noteError("write", e);
            return;
        }
        if (!queue.isEmpty()) {
            wantWrite = true;
            selector.wakeup();
        }
    }

    private void transmitDatagram(MemorySegment frame, long offset, int length) {
        txBuffer.clear();
        MemorySegment.copy(frame, offset, txSegment, 0, length);
        txBuffer.limit(length);
        try {
            if (datagram.write(txBuffer) == 0) {
                txQueueDrops++; // the socket's send buffer is full
            } else {
                txFrames++;
                txBytes += length;
            }
        } catch (IOException e) {
            txErrors++; // port unreachable while the switch is away, for instance
            noteError("send", e);
        }
    }

    // ==== Receive: the link's own thread =========================================================

    @Override
    void receiveLoop() {
        long nextHello = System.nanoTime() + HELLO_INTERVAL_NANOS;
        try {
            while (!stopping) {
                if (stream != null && wantWrite) {
                    wantWrite = false;
                    SelectionKey key = stream.keyFor(selector);
                    if (key != null && key.isValid()) {
                        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    }
                }
                selector.select(SELECT_MILLIS);
                if (stopping) {
                    return;
                }
                boolean ready = !selector.selectedKeys().isEmpty();
                SelectionKey key = null;
                if (ready) {
                    key = selector.selectedKeys().iterator().next();
                    selector.selectedKeys().clear();
                }
                if (stream != null) {
                    if (key != null && !streamReady(key)) {
                        return;
                    }
                } else {
                    if (key != null && key.isReadable()) {
                        receiveDatagrams();
                    }
                    long now = System.nanoTime();
                    if (now - nextHello >= 0) {
                        nextHello = now + HELLO_INTERVAL_NANOS;
                        synchronized (txLock) {
                            if (!closed) {
                                try {
                                    sayHello();
                                } catch (IOException e) {
                                    txErrors++;
                                    noteError("hello", e);
                                }
                            }
                        }
                    }
                }
            }
        } catch (ClosedChannelException e) {
            // closed under us: the link is closing
        } catch (IOException e) {
            rxErrors++;
            noteError("receive", e);
            lostSwitch();
        } catch (RuntimeException e) {
            rxErrors++;
            lastError = "receive: " + e;
            lostSwitch();
        }
    }

    /** Reads and writes a ready stream; false when the connection is over. */
    private boolean streamReady(SelectionKey key) throws IOException {
        if (key.isReadable()) {
            QemuStream.Status status;
            try {
                status = decoder.readFrom(stream, this::deliver);
            } catch (IOException e) {
                if (stopping) {
                    return false;
                }
                rxErrors++;
                noteError("read", e);
                lostSwitch();
                return false;
            }
            switch (status) {
                case OK -> { }
                case EOF -> {
                    lastError = "the other end closed the connection (a switch that stopped or had no free port, or a QEMU that exited)";
                    lostSwitch();
                    return false;
                }
                case TRUNCATED -> {
                    rxErrors++;
                    lastError = "the switch closed the connection in the middle of a frame";
                    lostSwitch();
                    return false;
                }
                case BAD_LENGTH -> {
                    rxErrors++;
                    lastError = "the switch sent a bad length prefix (" + decoder.badLength() + "): not a switch?";
                    lostSwitch();
                    return false;
                }
            }
        }
        if (key.isValid() && key.isWritable()) {
            synchronized (txLock) {
                if (closed) {
                    return false;
                }
                try {
                    queue.writeTo(stream);
                } catch (IOException e) {
                    txErrors++;
                    noteError("write", e);
                    lostSwitch();
                    return false;
                }
                if (queue.isEmpty()) {
                    key.interestOps(SelectionKey.OP_READ);
                }
            }
        }
        return true;
    }

    private void receiveDatagrams() {
        for (int i = 0; i < DATAGRAMS_PER_WAKEUP && !stopping; i++) {
            rxBuffer.clear();
            try {
                if (datagram.receive(rxBuffer) == null) {
                    return;
                }
            } catch (PortUnreachableException e) {
                rxErrors++;
                lastError = "the switch at " + address + " is not there (port unreachable); still saying hello";
                continue;
            } catch (IOException e) {
                if (!stopping) {
                    rxErrors++;
                    noteError("receive", e);
                }
                return;
            }
            int n = rxBuffer.position();
            if (isHello(rxBuffer)) {
                hellosAnswered++;
                continue;
            }
            if (n > QemuStream.MAX_FRAME) {
                rxErrors++;
                continue;
            }
            deliver(rxSegment, 0, n);
        }
    }

    /** True if the {@code buffer} (written up to its position) holds exactly {@link #HELLO}. */
    static boolean isHello(ByteBuffer buffer) {
        int n = buffer.position();
        if (n != HELLO.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (buffer.get(i) != HELLO[i]) {
                return false;
            }
        }
        return true;
    }

    private void deliver(MemorySegment frame, long offset, int length) {
        rxFrames++;
        rxBytes += length;
        try {
            inbound.send(frame, offset, length);
        } catch (RuntimeException e) {
            rxErrors++;
            lastError = "delivering a frame to the card failed: " + e;
        }
    }

    /** The switch is gone (a stream link): the card's link goes down. */
    private void lostSwitch() {
        if (stream == null || stopping) {
            return;
        }
        connected = false;
        Connector c = card();
        if (c != null) {
            c.detach();
        }
    }

    private void noteError(String call, IOException e) {
        lastError = call + ": " + SwitchServer.describe(e);
    }

    // ==== Views and close ========================================================================

    /** Frames and bytes each way, drops and errors, by name; zeros included, so the shape is stable. */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("rx_frames", rxFrames);
        m.put("rx_bytes", rxBytes);
        m.put("rx_errors", rxErrors);
        m.put("tx_frames", txFrames);
        m.put("tx_bytes", txBytes);
        m.put("tx_queue_drops", txQueueDrops);
        m.put("tx_oversize", txOversize);
        m.put("tx_errors", txErrors);
        m.put("tx_after_close", txAfterClose);
        m.put("hellos_sent", hellosSent);
        m.put("hellos_answered", hellosAnswered);
        return m;
    }

    /** The last error the link met, as one line; null if none. */
    @Override
    public String lastError() {
        return lastError;
    }

    /** False once a stream link has lost its switch (a UDP link has no connection to lose) or is closed. */
    public boolean isConnected() {
        return connected && !stopping;
    }

    /**
     * Unplugs the card (its link goes down) and closes the socket. Afterwards nothing reaches the
     * card from the switch, and nothing the card sends reaches the switch: late frames are counted,
     * never written. Idempotent.
     */
    @Override
    public void close() {
        if (!beginClose()) {
            return;
        }
        selector.wakeup();
        joinReceiver();
        closeQuietly(stream != null ? stream : datagram);
        closeQuietly(selector);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do
        }
    }

    @Override
    public String toString() {
        return "SwitchLink[" + address + "]";
    }
}
