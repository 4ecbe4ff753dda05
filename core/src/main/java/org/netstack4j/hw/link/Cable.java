package org.netstack4j.hw.link;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * A point-to-point cable between two connectors: what {@code a} transmits arrives at
 * {@code b.input()} and vice versa, on the sender's thread, without copying (hardware work runs
 * where it starts). It exists as an object, rather than two {@code attach} calls, so that a
 * cable can be pulled: after {@link #unplug()} both cards are detached and anything still sent
 * into either end (a stale reference, a frame in flight on another thread) is swallowed and
 * counted in {@link #lost()} instead of reaching the far card.
 *
 * <p>An optional wrapper is applied to each direction ({@code a→b} first, then {@code b→a}), so
 * capture and fault injection can sit on the wire: {@code Cable.connect(a, b, l -> Capture.wrap(l, w))}.
 */
public final class Cable {

    /** One direction of the cable: a gate in front of the (possibly wrapped) far input. */
    private final class Direction implements Link {
        private volatile Link target;

        Direction(Link target) {
            this.target = target;
        }

        @Override
        public void send(MemorySegment frame, long offset, int length) {
            Link t = target;
            if (t == Link.NOWHERE) {
                lost.incrementAndGet();
                return;
            }
            t.send(frame, offset, length);
        }
    }

    private final Connector a;
    private final Connector b;
    private final Direction aToB;
    private final Direction bToA;
    private final AtomicLong lost = new AtomicLong();
    private boolean plugged = true;

    private Cable(Connector a, Connector b, UnaryOperator<Link> wrap) {
        this.a = a;
        this.b = b;
        this.aToB = new Direction(Objects.requireNonNull(wrap.apply(b.input()), "wrapper returned null"));
        this.bToA = new Direction(Objects.requireNonNull(wrap.apply(a.input()), "wrapper returned null"));
    }

    /** Joins {@code a} and {@code b}: {@code a}'s output is {@code b}'s input and vice versa. */
    public static Cable connect(Connector a, Connector b) {
        return connect(a, b, UnaryOperator.identity());
    }

    /**
     * Joins {@code a} and {@code b} with {@code wrap} applied to each direction: first to
     * {@code b.input()} (the {@code a→b} direction), then to {@code a.input()}. A wrapper that
     * creates a fresh fault injector on each call gives each direction its own.
     */
    public static Cable connect(Connector a, Connector b, UnaryOperator<Link> wrap) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Objects.requireNonNull(wrap, "wrap");
        Cable cable = new Cable(a, b, wrap);
        a.attach(cable.aToB);
        b.attach(cable.bToA);
        return cable;
    }

    /** Pulls the cable: both directions stop carrying frames, then both connectors are detached. Idempotent. */
    public void unplug() {
        synchronized (this) {
            if (!plugged) {
                return;
            }
            plugged = false;
        }
        aToB.target = Link.NOWHERE;
        bToA.target = Link.NOWHERE;
        a.detach();
        b.detach();
    }

    public synchronized boolean isPlugged() {
        return plugged;
    }

    /** Frames sent into either end after {@link #unplug()}. */
    public long lost() {
        return lost.get();
    }

    /** The connector at end A. */
    public Connector a() {
        return a;
    }

    /** The connector at end B. */
    public Connector b() {
        return b;
    }
}
