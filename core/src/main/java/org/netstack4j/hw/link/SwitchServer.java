package org.netstack4j.hw.link;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A learning Ethernet switch that other processes plug into over sockets: each host (a netstack4j
 * {@code up}, or a QEMU virtual machine with {@code -netdev stream} or {@code -netdev dgram}) is one
 * port of an {@link EthernetSwitch}, which learns, ages and floods as it does inside one JVM.
 *
 * <p>Framing is QEMU's ({@link QemuStream}): on a Unix stream socket each frame is a 4-byte
 * big-endian length and the frame; on UDP (127.0.0.1 only) each datagram is one frame, and each
 * source address is a port. A datagram of the 10 bytes {@code ns4j-hello} (shorter than any frame,
 * so QEMU never sends one) is not a frame but a hello from a {@link SwitchLink}: it claims a port
 * (so a silent host still gets broadcasts), is answered in kind (so a host can tell that a switch is
 * there), and, repeated, keeps the port alive.
 *
 * <p>One platform thread does everything, with a {@link Selector}: accepts, reads, forwarding
 * (cut-through, on that thread, as {@link EthernetSwitch} does) and writes. Nothing blocks it:
 * sockets are non-blocking and each stream port has a bounded output queue ({@link QemuStream.Queue});
 * a frame for a port whose queue is full is dropped and counted, so a slow reader loses frames and
 * costs no one else anything. A host that goes away, or sends a length prefix of 0 or above the
 * maximum frame, or stops in the middle of a frame, costs the switch that one port: it is closed,
 * counted, its addresses are forgotten, and the port is free for the next host. When every port is
 * taken a new stream connection is closed at once and a new UDP peer is ignored (both counted),
 * unless a UDP port has been silent for the idle time, in which case it is reclaimed.
 */
public final class SwitchServer implements AutoCloseable {
    /** Most ports a switch may have. */
    public static final int MAX_PORTS = 1024;
    /** Largest output queue per port. */
    public static final int MAX_QUEUE_BYTES = 64 << 20;
    private static final long SELECT_MILLIS = 250;
    private static final long SWEEP_NANOS = 1_000_000_000L;
    private static final int ACCEPTS_PER_WAKEUP = 16;
    private static final int DATAGRAMS_PER_WAKEUP = 64;
    private static final int UDP_SOCKET_BUFFER = 1 << 20;
    private static final long JOIN_MILLIS = 5000;

    /**
     * The switch's bounds.
     *
     * @param maxPorts     ports, shared by every listening socket (1..{@value #MAX_PORTS})
     * @param maxFrame     largest frame accepted ({@value EthernetSwitch#MIN_FRAME}..{@value QemuStream#MAX_FRAME});
     *                     a stream that announces a longer one loses its port, a longer datagram is dropped
     * @param queueBytes   output queue of each stream port, in bytes (prefixes included)
     * @param udpIdleNanos how long a UDP port may stay silent: one that sent hellos is closed after it,
     *                     any other becomes reclaimable for a new peer when every port is taken
     */
    public record Options(int maxPorts, int maxFrame, int queueBytes, long udpIdleNanos) {
        public static final Options DEFAULT = new Options(32, QemuStream.MAX_FRAME, 256 << 10, 30_000_000_000L);

        public Options {
            if (maxPorts < 1 || maxPorts > MAX_PORTS) {
                throw new IllegalArgumentException("ports out of range 1.." + MAX_PORTS + ": " + maxPorts);
            }
            if (maxFrame < EthernetSwitch.MIN_FRAME || maxFrame > QemuStream.MAX_FRAME) {
                throw new IllegalArgumentException("maximum frame out of range " + EthernetSwitch.MIN_FRAME + ".."
                        + QemuStream.MAX_FRAME + ": " + maxFrame);
            }
            if (queueBytes < QemuStream.HEADER_BYTES + maxFrame || queueBytes > MAX_QUEUE_BYTES) {
                throw new IllegalArgumentException("queue out of range " + (QemuStream.HEADER_BYTES + maxFrame) + ".."
                        + MAX_QUEUE_BYTES + " bytes (one largest frame at least): " + queueBytes);
            }
            if (udpIdleNanos <= 0) {
                throw new IllegalArgumentException("UDP idle time must be positive: " + udpIdleNanos);
            }
        }

        public Options withMaxPorts(int n) {
            return new Options(n, maxFrame, queueBytes, udpIdleNanos);
        }

        public Options withMaxFrame(int n) {
            return new Options(maxPorts, n, Math.max(queueBytes, QemuStream.HEADER_BYTES + n), udpIdleNanos);
        }

        public Options withQueueBytes(int n) {
            return new Options(maxPorts, maxFrame, n, udpIdleNanos);
        }

        public Options withUdpIdleNanos(long n) {
            return new Options(maxPorts, maxFrame, queueBytes, n);
        }
    }

    /** Why a port was closed. */
    public enum CloseReason {
        /** The host closed its connection on a frame boundary. */
        EOF("closed by the host"),
        /** The host closed its connection in the middle of a frame. */
        TRUNCATED("truncated frame at end of stream"),
        /** A length prefix of 0 or above the maximum frame. */
        BAD_LENGTH("bad length prefix"),
        /** A read or write failed (the host died: connection reset, broken pipe). */
        ERROR("socket error"),
        /** A UDP peer that had said hello stopped talking for the idle time. */
        SILENT("silent for the idle time"),
        /** A silent UDP port given to a new peer because every port was taken. */
        RECLAIMED("reclaimed for a new peer"),
        /** The switch stopped. */
        SHUTDOWN("switch stopped");

        private final String text;

        CloseReason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** A host that lost its port before the switch stopped: which, where, why, and when (ns since the start). */
    public record Departure(String peer, int port, CloseReason reason, String detail, long atNanos) {
        /** For people: {@code unix#3 on port 2: bad length prefix: length 0 (must be 1..65535)}. */
        @Override
        public String toString() {
            return peer + " on port " + port + ": " + reason.text() + (detail == null ? "" : ": " + detail);
        }
    }

    /** How many departures {@link #departures()} remembers (the oldest are forgotten first). */
    public static final int DEPARTURES_KEPT = 64;

    /** One port as seen from outside: who is on it and everything counted on it, over every host it has had. */
    public record PortStats(int port, String peer, boolean connected, String lastClose, Map<String, Long> counters) {
    }

    // ==== State: everything below is owned by the switch thread, except where volatile ==========

    /** A switch port and its counters, which add up over every host the port has had. */
    private final class Slot {
        final int index;
        final Connector port;
        volatile Peer peer;
        QemuStream.Decoder decoder; // made on first use, kept for the next host
        QemuStream.Queue queue;
        volatile String lastPeer;
        volatile String lastClose;
        volatile long connections;
        volatile long rxFrames;
        volatile long rxBytes;
        volatile long txQueued;
        volatile long txBytes;
        volatile long txQueueDrops;
        volatile long txErrors;
        volatile long rxOversize;
        volatile long hellos;
        final long[] closes = new long[CloseReason.values().length];

        Slot(int index) {
            this.index = index;
            this.port = sw.port(index);
        }

        Map<String, Long> counters() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("connections", connections);
            m.put("rx_frames", rxFrames);
            m.put("rx_bytes", rxBytes);
            m.put("rx_oversize", rxOversize);
            m.put("hellos", hellos);
            m.put("tx_queued", txQueued);
            m.put("tx_bytes", txBytes);
            m.put("tx_queue_drops", txQueueDrops);
            m.put("tx_errors", txErrors);
            synchronized (closes) {
                for (CloseReason r : CloseReason.values()) {
                    m.put("closed_" + r.name().toLowerCase(java.util.Locale.ROOT), closes[r.ordinal()]);
                }
            }
            sw.counters(index).toMap().forEach((k, v) -> m.put("switch_" + k, v));
            return m;
        }
    }

    /** What is plugged into a slot; it is the egress link of its switch port. */
    private abstract static sealed class Peer implements Link permits StreamPeer, UdpPeer {
        final Slot slot;
        final String name;
        boolean closed;

        Peer(Slot slot, String name) {
            this.slot = slot;
            this.name = name;
        }
    }

    private final class StreamPeer extends Peer {
        final SocketChannel channel;
        SelectionKey key;
        boolean dirty;
        final QemuStream.FrameHandler ingress;

        StreamPeer(Slot slot, String name, SocketChannel channel) {
            super(slot, name);
            this.channel = channel;
            this.ingress = (frame, offset, length) -> {
                slot.rxFrames++;
                slot.rxBytes += length;
                slot.port.input().send(frame, offset, length);
            };
        }

        @Override
        public void send(MemorySegment frame, long offset, int length) {
            if (closed) {
                return;
            }
            if (!slot.queue.offer(frame, offset, length)) {
                slot.txQueueDrops++;
                return;
            }
            slot.txQueued++;
            slot.txBytes += length; // Ethernet frame bytes, as rx_bytes and ip -s link count: not the length prefix
            if (!dirty) {
                dirty = true;
                dirtyPeers.add(this);
            }
        }
    }

    private final class UdpPeer extends Peer {
        final UdpListener listener;
        final InetSocketAddress address;
        long lastHeard;
        boolean saysHello;

        UdpPeer(Slot slot, UdpListener listener, InetSocketAddress address) {
            super(slot, "udp:" + address.getHostString() + ":" + address.getPort());
            this.listener = listener;
            this.address = address;
        }

        @Override
        public void send(MemorySegment frame, long offset, int length) {
            if (closed) {
                return;
            }
            sendBuffer.clear();
            MemorySegment.copy(frame, offset, sendSegment, 0, length);
            sendBuffer.limit(length);
            try {
                if (listener.channel.send(sendBuffer, address) == 0) {
                    slot.txQueueDrops++; // the socket's send buffer is full: the datagram is not sent
                } else {
                    slot.txQueued++;
                    slot.txBytes += length;
                }
            } catch (IOException e) {
                slot.txErrors++;
                noteError(name + ": send: " + e.getMessage());
            }
        }
    }

    private sealed interface Listener permits StreamListener, UdpListener {
        SwitchAddress address();

        void close();
    }

    private record StreamListener(SwitchAddress address, ServerSocketChannel channel) implements Listener {
        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing to do
            }
            try {
                Files.deleteIfExists(address.path());
            } catch (IOException e) {
                // left behind; the next switch on this path replaces a stale socket
            }
        }
    }

    private record UdpListener(SwitchAddress address, DatagramChannel channel, Map<SocketAddress, UdpPeer> peers)
            implements Listener {
        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    private final Options options;
    private final EthernetSwitch sw;
    private final Slot[] slots;
    private final Selector selector;
    private final List<Listener> listeners = new ArrayList<>();
    private final ArrayDeque<StreamPeer> dirtyPeers = new ArrayDeque<>();
    private final ArrayDeque<Departure> departures = new ArrayDeque<>(); // guarded by itself
    private final ByteBuffer receiveBuffer;
    private final MemorySegment receiveSegment;
    private final ByteBuffer sendBuffer;
    private final MemorySegment sendSegment;
    private final ByteBuffer hello = ByteBuffer.wrap(SwitchLink.HELLO).asReadOnlyBuffer();
    private final Thread thread;
    private final long startNanos = System.nanoTime();
    private volatile boolean stopping;
    private volatile String lastError;
    private volatile long accepted;
    private volatile long refused;
    private volatile long udpPeers;
    private volatile long loopErrors;
    private long streamSequence;
    private long lastSweep = System.nanoTime();
    private boolean closed;

    private SwitchServer(Options options) throws IOException {
        this.options = options;
        this.sw = new EthernetSwitch("switch", options.maxPorts(), System::nanoTime);
        this.slots = new Slot[options.maxPorts()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i);
        }
        this.selector = KernelChannels.provider().openSelector();
        this.receiveBuffer = ByteBuffer.allocateDirect(options.maxFrame() + 1);
        this.receiveSegment = MemorySegment.ofBuffer(receiveBuffer);
        this.sendBuffer = ByteBuffer.allocateDirect(options.maxFrame());
        this.sendSegment = MemorySegment.ofBuffer(sendBuffer);
        this.thread = Thread.ofPlatform().name("switch").unstarted(this::loop);
    }

    /** A switch with the default bounds listening on {@code address}. */
    public static SwitchServer start(SwitchAddress address) throws IOException {
        return start(List.of(address), Options.DEFAULT);
    }

    /**
     * Starts a switch listening on every address in {@code addresses} (they share its ports). The
     * message of a failure is one line naming the address and the cause.
     */
    public static SwitchServer start(List<SwitchAddress> addresses, Options options) throws IOException {
        Objects.requireNonNull(options, "options");
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a switch needs an address to listen on");
        }
        SwitchServer s = new SwitchServer(options);
        try {
            for (SwitchAddress a : addresses) {
                s.listen(a);
            }
        } catch (IOException | RuntimeException e) {
            for (Listener l : s.listeners) {
                l.close();
            }
            s.selector.close();
            throw e;
        }
        s.thread.start();
        return s;
    }

    private void listen(SwitchAddress address) throws IOException {
        if (address.kind() == SwitchAddress.Kind.UNIX) {
            Path path = address.path();
            removeStaleSocket(address);
            ServerSocketChannel channel = KernelChannels.provider().openServerSocketChannel(StandardProtocolFamily.UNIX);
            try {
                channel.bind(address.socketAddress(), ACCEPTS_PER_WAKEUP);
                channel.configureBlocking(false);
            } catch (IOException e) {
                channel.close();
                throw new IOException("cannot listen on " + address + ": " + describe(e)
                        + (e instanceof NoSuchFileException || String.valueOf(e.getMessage()).contains("No such file")
                        ? " (does the directory " + path.toAbsolutePath().getParent() + " exist?)" : ""), e);
            }
            StreamListener l = new StreamListener(address, channel);
            listeners.add(l);
            channel.register(selector, SelectionKey.OP_ACCEPT, l);
        } else {
            if (address.port() == 0 && listeners.stream().anyMatch(l -> l.address().kind() == SwitchAddress.Kind.UDP)) {
                throw new IOException("one UDP address with port 0 at most");
            }
            DatagramChannel channel = KernelChannels.provider().openDatagramChannel(StandardProtocolFamily.INET);
            try {
                channel.setOption(StandardSocketOptions.SO_RCVBUF, UDP_SOCKET_BUFFER);
                channel.setOption(StandardSocketOptions.SO_SNDBUF, UDP_SOCKET_BUFFER);
                channel.bind(address.socketAddress());
                channel.configureBlocking(false);
            } catch (IOException e) {
                channel.close();
                throw new IOException("cannot listen on " + address + ": " + describe(e), e);
            }
            int port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
            UdpListener l = new UdpListener(address.withPort(port), channel, new HashMap<>());
            listeners.add(l);
            channel.register(selector, SelectionKey.OP_READ, l);
        }
    }

    /**
     * A socket file left by a switch that died is removed; one where a switch still listens, or a
     * file that is not a socket, is left alone and the start fails.
     */
    private static void removeStaleSocket(SwitchAddress address) throws IOException {
        Path path = address.path();
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attributes.isOther()) {
            throw new IOException("cannot listen on " + address + ": the file exists and is not a socket");
        }
        try (SocketChannel probe = KernelChannels.provider().openSocketChannel(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
        } catch (ConnectException stale) {
            Files.deleteIfExists(path);
            return;
        }
        throw new IOException("cannot listen on " + address + ": a switch is already listening there");
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replace('\n', ' ');
    }

    /** The addresses listened on, UDP port 0 replaced by the port the system gave. */
    public List<SwitchAddress> addresses() {
        return listeners.stream().map(Listener::address).toList();
    }

    public Options options() {
        return options;
    }

    /** The switch inside, for its address table and per-port forwarding counters. */
    public EthernetSwitch ethernetSwitch() {
        return sw;
    }

    /** Ports with a host on them now. */
    public int connectedPorts() {
        int n = 0;
        for (Slot s : slots) {
            if (s.peer != null) {
                n++;
            }
        }
        return n;
    }

    /** Every port that has had a host, in port order. */
    public List<PortStats> ports() {
        List<PortStats> out = new ArrayList<>();
        for (Slot s : slots) {
            if (s.connections > 0) {
                Peer p = s.peer;
                out.add(new PortStats(s.index, p != null ? p.name : s.lastPeer, p != null, s.lastClose, s.counters()));
            }
        }
        return out;
    }

    /** The stats of one port (whether or not it has had a host). */
    public PortStats port(int index) {
        Slot s = slots[Objects.checkIndex(index, slots.length)];
        Peer p = s.peer;
        return new PortStats(s.index, p != null ? p.name : s.lastPeer, p != null, s.lastClose, s.counters());
    }

    /** The switch's own counters: hosts accepted and refused, ports closed by reason, and the address table's. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("ports", (long) slots.length);
        m.put("ports_connected", (long) connectedPorts());
        m.put("accepted", accepted);
        m.put("udp_peers", udpPeers);
        m.put("refused_full", refused);
        for (CloseReason r : CloseReason.values()) {
            long n = 0;
            for (Slot s : slots) {
                synchronized (s.closes) {
                    n += s.closes[r.ordinal()];
                }
            }
            m.put("closed_" + r.name().toLowerCase(java.util.Locale.ROOT), n);
        }
        m.put("loop_errors", loopErrors);
        sw.tableCounters().toMap().forEach((k, v) -> m.put("table_" + k, v));
        return m;
    }

    /** The last {@value #DEPARTURES_KEPT} hosts that lost their port (not counting the switch stopping), oldest first. */
    public List<Departure> departures() {
        synchronized (departures) {
            return List.copyOf(departures);
        }
    }

    /** The last unexpected error the switch met (it went on), as one line; null if none. */
    public String lastError() {
        return lastError;
    }

    /** Nanoseconds since the switch started. */
    public long uptimeNanos() {
        return System.nanoTime() - startNanos;
    }

    /** True while the switch thread runs. */
    public boolean isRunning() {
        return thread.isAlive() && !stopping;
    }

    private void noteError(String message) {
        lastError = message;
    }

    // ==== The switch thread ======================================================================

    private void loop() {
        try {
            while (!stopping) {
                try {
                    selector.select(SELECT_MILLIS);
                } catch (IOException e) {
                    loopErrors++;
                    noteError("select: " + describe(e));
                    pause();
                    continue;
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    dispatch(key);
                }
                flushDirty();
                long now = System.nanoTime();
                if (now - lastSweep >= SWEEP_NANOS) {
                    lastSweep = now;
                    sweepUdp(now);
                }
            }
        } finally {
            shutdown();
        }
    }

    private void dispatch(SelectionKey key) {
        Object a = key.attachment();
        try {
            if (!key.isValid()) {
                return;
            }
            switch (a) {
                case StreamListener l -> accept(l);
                case UdpListener l -> receive(l);
                case StreamPeer p -> {
                    if (key.isReadable()) {
                        read(p);
                    }
                    if (!p.closed && key.isValid() && key.isWritable()) {
                        flush(p);
                    }
                }
                default -> throw new IllegalStateException("unexpected key " + a);
            }
        } catch (CancelledKeyException e) {
            // closed meanwhile
        } catch (RuntimeException e) {
            // A bug must cost one port, not the switch.
            loopErrors++;
            noteError("unexpected: " + e);
            if (a instanceof Peer p) {
                closePeer(p, CloseReason.ERROR, e.toString());
            }
        }
    }

    private void accept(StreamListener l) {
        for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
            SocketChannel channel;
            try {
                channel = l.channel().accept();
            } catch (IOException e) {
                loopErrors++;
                noteError("accept on " + l.address() + ": " + describe(e));
                return;
            }
            if (channel == null) {
                return;
            }
            Slot slot = freeSlot();
            if (slot == null) {
                refused++;
                closeQuietly(channel);
                continue;
            }
            try {
                channel.configureBlocking(false);
                StreamPeer p = new StreamPeer(slot, "unix#" + (++streamSequence), channel);
                if (slot.decoder == null) {
                    slot.decoder = new QemuStream.Decoder(options.maxFrame());
                    slot.queue = new QemuStream.Queue(options.queueBytes());
                }
                slot.decoder.clear();
                slot.queue.clear();
                p.key = channel.register(selector, SelectionKey.OP_READ, p);
                plug(slot, p);
                accepted++;
            } catch (IOException e) {
                loopErrors++;
                noteError("accept on " + l.address() + ": " + describe(e));
                closeQuietly(channel);
            }
        }
    }

    private Slot freeSlot() {
        for (Slot s : slots) {
            if (s.peer == null) {
                return s;
            }
        }
        return null;
    }

    private void plug(Slot slot, Peer p) {
        slot.peer = p;
        slot.lastPeer = p.name;
        slot.connections++;
        slot.port.attach(p);
    }

    private void read(StreamPeer p) {
        Slot slot = p.slot;
        QemuStream.Status status;
        try {
            status = slot.decoder.readFrom(p.channel, p.ingress);
        } catch (IOException e) {
            closePeer(p, CloseReason.ERROR, describe(e));
            return;
        }
        switch (status) {
            case OK -> { }
            case EOF -> closePeer(p, CloseReason.EOF, null);
            case TRUNCATED -> closePeer(p, CloseReason.TRUNCATED, slot.decoder.pending() + " bytes of a frame left");
            case BAD_LENGTH -> closePeer(p, CloseReason.BAD_LENGTH, "length " + slot.decoder.badLength()
                    + " (must be 1.." + options.maxFrame() + ")");
        }
    }

    private void flushDirty() {
        StreamPeer p;
        while ((p = dirtyPeers.poll()) != null) {
            p.dirty = false;
            if (!p.closed) {
                flush(p);
            }
        }
    }

    private void flush(StreamPeer p) {
        QemuStream.Queue q = p.slot.queue;
        try {
            q.writeTo(p.channel);
        } catch (IOException e) {
            closePeer(p, CloseReason.ERROR, describe(e));
            return;
        }
        int ops = q.isEmpty() ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE;
        if (p.key.interestOps() != ops) {
            p.key.interestOps(ops);
        }
    }

    private void receive(UdpListener l) {
        long now = System.nanoTime();
        for (int i = 0; i < DATAGRAMS_PER_WAKEUP; i++) {
            SocketAddress from;
            receiveBuffer.clear();
            try {
                from = l.channel().receive(receiveBuffer);
            } catch (IOException e) {
                loopErrors++;
                noteError("receive on " + l.address() + ": " + describe(e));
                return;
            }
            if (from == null) {
                return;
            }
            int n = receiveBuffer.position();
            UdpPeer p = l.peers().get(from);
            if (p == null) {
                p = admit(l, (InetSocketAddress) from, now);
                if (p == null) {
                    refused++;
                    continue;
                }
            }
            p.lastHeard = now;
            Slot slot = p.slot;
            if (SwitchLink.isHello(receiveBuffer)) {
                p.saysHello = true;
                slot.hellos++;
                try {
                    l.channel().send(hello.clear(), p.address);
                } catch (IOException e) {
                    slot.txErrors++;
                }
                continue;
            }
            if (n > options.maxFrame()) {
                slot.rxOversize++;
                continue;
            }
            slot.rxFrames++;
            slot.rxBytes += n;
            slot.port.input().send(receiveSegment, 0, n);
        }
    }

    /** A port for a new UDP peer: a free one, or the longest-silent one past the idle time, or none. */
    private UdpPeer admit(UdpListener l, InetSocketAddress from, long now) {
        Slot slot = freeSlot();
        if (slot == null) {
            UdpPeer oldest = null;
            for (Slot s : slots) {
                if (s.peer instanceof UdpPeer u && now - u.lastHeard >= options.udpIdleNanos()
                        && (oldest == null || u.lastHeard - oldest.lastHeard < 0)) {
                    oldest = u;
                }
            }
            if (oldest == null) {
                return null;
            }
            slot = oldest.slot;
            closePeer(oldest, CloseReason.RECLAIMED, "for " + from);
        }
        UdpPeer p = new UdpPeer(slot, l, from);
        l.peers().put(from, p);
        plug(slot, p);
        udpPeers++;
        accepted++;
        return p;
    }

    /** Closes UDP ports whose hosts said hello and then fell silent for the idle time. */
    private void sweepUdp(long now) {
        for (Slot s : slots) {
            if (s.peer instanceof UdpPeer u && u.saysHello && now - u.lastHeard >= options.udpIdleNanos()) {
                closePeer(u, CloseReason.SILENT, null);
            }
        }
    }

    /** Unplugs {@code p}: the port goes down (its addresses are forgotten) and is free again. */
    private void closePeer(Peer p, CloseReason reason, String detail) {
        if (p.closed) {
            return;
        }
        p.closed = true;
        Slot slot = p.slot;
        // Counted first: whoever sees the connection end may look at the counters at once.
        synchronized (slot.closes) {
            slot.closes[reason.ordinal()]++;
        }
        slot.lastClose = reason.text() + (detail == null ? "" : ": " + detail);
        if (reason != CloseReason.SHUTDOWN) {
            synchronized (departures) {
                if (departures.size() == DEPARTURES_KEPT) {
                    departures.removeFirst();
                }
                departures.addLast(new Departure(p.name, slot.index, reason, detail, System.nanoTime() - startNanos));
            }
        }
        slot.port.detach();
        slot.peer = null;
        switch (p) {
            case StreamPeer s -> {
                if (s.key != null) {
                    s.key.cancel();
                }
                closeQuietly(s.channel);
                slot.queue.clear();
                slot.decoder.clear();
            }
            case UdpPeer u -> u.listener.peers().remove(u.address);
        }
    }

    private void shutdown() {
        for (Slot s : slots) {
            Peer p = s.peer;
            if (p != null) {
                closePeer(p, CloseReason.SHUTDOWN, null);
            }
        }
        for (Listener l : listeners) {
            l.close();
        }
        try {
            selector.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private static void closeQuietly(java.nio.channels.Channel c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the switch: every port is closed (hosts see their connection end), the listening
     * sockets are closed and a Unix socket file is removed. Counters are final afterwards. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        stopping = true;
        selector.wakeup();
        try {
            thread.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "SwitchServer" + addresses();
    }
}
