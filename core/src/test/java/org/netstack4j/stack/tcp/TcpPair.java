package org.netstack4j.stack.tcp;

import org.netstack4j.buffer.BufferPool;
import org.netstack4j.buffer.ChunkPool;
import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.wire.TcpOptions;
import org.netstack4j.wire.TcpSegment;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two connections and a wire between them, in simulated time, with no host: a client at
 * 10.0.2.15 and a server at 10.0.2.2 (made by {@link TcpConnection#accept} when the client's
 * first SYN arrives, unless the test answers it otherwise). The wire delays each segment, and
 * can lose, duplicate, reorder and corrupt them from a seed; a test can also drop or watch
 * segments it picks. Segments are checked and parsed on arrival as the stack will.
 */
final class TcpPair implements AutoCloseable {
    static final int CLIENT = 0x0A00020F;
    static final int SERVER = 0x0A000202;
    static final long MS = 1_000_000L;

    /** A segment on the wire. */
    record Flight(long at, long order, boolean toServer, PacketBuffer segment) {
    }

    /** What one segment looked like when it was sent. */
    record Sent(long at, boolean fromClient, int flags, int seq, int ack, int window, int length) {
    }

    private final DmaMemory dma = new DmaMemory(64L << 20);
    final BufferPool pool = new BufferPool("tcp-pair", dma, 4096, 2048, 64);
    /** Both ends' stream memory (as if one host's): 16 MB, or what a test sets. */
    ChunkPool memory = new ChunkPool("tcp-pair-streams", 16L << 20);
    /** The client's stream memory when it is to be another host's; null: the shared {@link #memory}. */
    ChunkPool clientMemory;
    private final PriorityQueue<Flight> wire = new PriorityQueue<>(
            (x, y) -> x.at != y.at ? Long.compare(x.at, y.at) : Long.compare(x.order, y.order));
    private final TcpOptions options = new TcpOptions();
    private final SplittableRandom random;
    final TcpConfig clientConfig;
    final TcpConfig serverConfig;
    final List<Sent> sent = new ArrayList<>();
    long now;
    private long order;
    TcpConnection client;
    TcpConnection server;
    long delayNanos = MS;
    double loss;
    double duplication;
    double reordering;
    double corruption;
    /** Segments a test wants lost; checked before the random faults. */
    Predicate<Sent> drop = s -> false;
    /** Extra time on the wire for segments a test picks (to reorder them), in nanoseconds. */
    java.util.function.ToLongFunction<Sent> hold = s -> 0;
    /** Segments a test wants delivered twice (the copy a delay later). */
    Predicate<Sent> duplicate = s -> false;
    /** What each end told its counters of ({@link TcpConnection.Output#count}). */
    final java.util.Map<TcpConnection.Event, Integer> clientEvents = new java.util.EnumMap<>(TcpConnection.Event.class);
    final java.util.Map<TcpConnection.Event, Integer> serverEvents = new java.util.EnumMap<>(TcpConnection.Event.class);
    /** When true, a SYN to the server is answered with RST, as by a port nobody listens on. */
    boolean serverClosed;
    int serverIss = 0x5000_0000;
    long corrupted;
    long lost;
    /** When set, a byte copy of every segment sent, in order (to replay one later). */
    List<byte[]> copies;
    /** When set, sees each segment as it is sent (true: from the client), before any fault: for options. */
    java.util.function.BiConsumer<Boolean, PacketBuffer> tap;
    /** Connections that said their window was cut short by memory pressure, in order. */
    final List<TcpConnection> clamped = new ArrayList<>();

    TcpPair(long seed, TcpConfig client, TcpConfig server) {
        this.random = new SplittableRandom(seed);
        this.clientConfig = client;
        this.serverConfig = server;
    }

    /** How many times an end counted {@code event}. */
    int events(boolean ofClient, TcpConnection.Event event) {
        return (ofClient ? clientEvents : serverEvents).getOrDefault(event, 0);
    }

    TcpPair(long seed) {
        this(seed, TcpConfig.DEFAULT, TcpConfig.DEFAULT);
    }

    private final TcpConnection.Output toServer = output(true);
    private final TcpConnection.Output toClient = output(false);

    private TcpConnection.Output output(boolean toServer) {
        return new TcpConnection.Output() {
            @Override
            public PacketBuffer take() {
                return pool.take();
            }

            @Override
            public void send(TcpConnection c, PacketBuffer segment) {
                transmit(toServer, segment);
            }

            @Override
            public ChunkPool memory() {
                return toServer && clientMemory != null ? clientMemory : memory;
            }

            @Override
            public void count(TcpConnection.Event event) {
                (toServer ? clientEvents : serverEvents).merge(event, 1, Integer::sum);
            }

            @Override
            public void windowClamped(TcpConnection connection) {
                clamped.add(connection);
            }
        };
    }

    /** Both ends open actively at the same moment (simultaneous open, RFC 9293 3.5). */
    TcpPair connectBoth(int clientIss, int otherIss) {
        client = TcpConnection.connect(clientConfig, toServer, CLIENT, 40_000, SERVER, 7, clientIss, now);
        server = TcpConnection.connect(serverConfig, toClient, SERVER, 7, CLIENT, 40_000, otherIss, now);
        return this;
    }

    /** The client connects (with {@code iss}). */
    TcpPair connect(int iss) {
        client = TcpConnection.connect(clientConfig, toServer, CLIENT, 40_000, SERVER, 7, iss, now);
        return this;
    }

    private void transmit(boolean toServer, PacketBuffer segment) {
        Sent s = new Sent(now, toServer, TcpSegment.flags(segment), TcpSegment.sequence(segment),
                TcpSegment.acknowledgment(segment), TcpSegment.window(segment), TcpSegment.payloadLength(segment));
        sent.add(s);
        if (tap != null) {
            tap.accept(toServer, segment);
        }
        if (copies != null) {
            copies.add(segment.toByteArray());
        }
        if (drop.test(s) || random.nextDouble() < loss) {
            lost++;
            segment.release();
            return;
        }
        if (duplicate.test(s) || random.nextDouble() < duplication) {
            PacketBuffer copy = pool.take();
            if (copy != null) {
                int at = copy.append(segment.length());
                byte[] bytes = segment.toByteArray();
                copy.copyFrom(bytes, 0, at, bytes.length);
                wire.add(new Flight(now + delayNanos + random.nextLong(2 * delayNanos), order++, toServer, copy));
            }
        }
        if (random.nextDouble() < corruption) {
            int i = random.nextInt(segment.length());
            segment.setByte(i, segment.getByte(i) ^ (1 << random.nextInt(8)));
        }
        long extra = random.nextDouble() < reordering ? random.nextLong(1, 4 * delayNanos) : hold.applyAsLong(s);
        wire.add(new Flight(now + delayNanos + extra, order++, toServer, segment));
    }

    private void deliver(Flight f) {
        PacketBuffer seg = f.segment;
        try {
            int src = f.toServer ? CLIENT : SERVER;
            int dst = f.toServer ? SERVER : CLIENT;
            if (TcpSegment.check(seg, src, dst) != TcpSegment.Verdict.OK) {
                corrupted++;
                return;
            }
            options.parse(seg);
            if (!f.toServer) {
                client.input(seg, options, now);
                return;
            }
            if (server == null) {
                int flags = TcpSegment.flags(seg);
                if ((flags & (TcpSegment.SYN | TcpSegment.ACK | TcpSegment.RST)) != TcpSegment.SYN) {
                    return; // nothing there yet for anything but a SYN
                }
                if (serverClosed) {
                    refuse(seg);
                    return;
                }
                server = TcpConnection.accept(serverConfig, toClient, SERVER, CLIENT, seg, options, serverIss, now);
                return;
            }
            server.input(seg, options, now);
        } finally {
            seg.release();
        }
    }

    /** RST, ACK for a SYN to a closed port (RFC 9293 3.10.7.1). */
    private void refuse(PacketBuffer syn) {
        PacketBuffer r = pool.take();
        r.prepend(TcpSegment.HEADER_LENGTH);
        TcpSegment.write(r, 7, TcpSegment.sourcePort(syn), 0, TcpSegment.sequence(syn) + 1,
                TcpSegment.RST | TcpSegment.ACK, 0, 0, SERVER, CLIENT);
        transmit(false, r);
    }

    /** Puts a segment recorded earlier (its bytes, checksum included) on the wire again. */
    void replay(boolean toServer, byte[] segment) {
        PacketBuffer b = pool.take();
        int at = b.append(segment.length);
        b.copyFrom(segment, 0, at, segment.length);
        wire.add(new Flight(now + delayNanos, order++, toServer, b));
    }

    /** Puts a crafted segment (no options, no data) on the wire, as a spoofer in the path would. */
    void inject(boolean toServer, int flags, int seq, int ack) {
        inject(toServer, flags, seq, ack, new byte[0]);
    }

    /** As {@link #inject(boolean, int, int, int)}, carrying {@code payload}. */
    void inject(boolean toServer, int flags, int seq, int ack, byte[] payload) {
        PacketBuffer b = pool.take();
        if (payload.length > 0) {
            b.copyFrom(payload, 0, b.append(payload.length), payload.length);
        }
        b.prepend(TcpSegment.HEADER_LENGTH);
        TcpSegment.write(b, toServer ? 40_000 : 7, toServer ? 7 : 40_000, seq, ack, flags, 1000, 0,
                toServer ? CLIENT : SERVER, toServer ? SERVER : CLIENT);
        wire.add(new Flight(now + delayNanos, order++, toServer, b));
    }

    /** Delivers and fires timers until {@code until} (simulated nanoseconds) or the wire and timers are quiet. */
    void runUntil(long until) {
        while (true) {
            long next = nextEvent();
            if (next < 0 || next > until) {
                now = Math.max(now, until);
                return;
            }
            step(next);
        }
    }

    /** Runs until {@code done} holds, failing after {@code limitNanos} of simulated time. */
    void runUntil(java.util.function.BooleanSupplier done, long limitNanos) {
        long end = now + limitNanos;
        while (!done.getAsBoolean()) {
            long next = nextEvent();
            assertThat(next).as("nothing left to happen, and the condition does not hold (at %d ns)", now)
                    .isNotNegative();
            assertThat(next).as("still not done after %d ns", limitNanos).isLessThanOrEqualTo(end);
            step(next);
        }
    }

    private long nextEvent() {
        long next = wire.isEmpty() ? -1 : wire.peek().at;
        for (TcpConnection c : new TcpConnection[] {client, server}) {
            if (c != null) {
                long d = c.nextDeadline();
                if (d >= 0 && (next < 0 || d < next)) {
                    next = d;
                }
            }
        }
        return next;
    }

    private void step(long at) {
        now = Math.max(now, at);
        if (!wire.isEmpty() && wire.peek().at <= now) {
            deliver(wire.poll());
            return;
        }
        for (TcpConnection c : new TcpConnection[] {client, server}) {
            if (c != null && c.nextDeadline() >= 0 && c.nextDeadline() <= now) {
                c.onTimer(now);
            }
        }
    }

    List<Sent> sentBy(boolean client, Predicate<Sent> which) {
        return sent.stream().filter(s -> s.fromClient == client && which.test(s)).toList();
    }

    @Override
    public void close() {
        Flight f;
        while ((f = wire.poll()) != null) {
            f.segment.release();
        }
        assertThat(pool.isFull()).as("every segment buffer came back").isTrue();
        for (TcpConnection c : new TcpConnection[] {client, server}) {
            if (c != null) {
                c.releaseMemory();
            }
        }
        assertThat(memory.inUse()).as("every stream chunk came back").isZero();
        assertThat(clientMemory == null || clientMemory.isFull()).as("the client's too").isTrue();
        dma.close();
    }
}
