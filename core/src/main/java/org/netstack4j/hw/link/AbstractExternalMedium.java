package org.netstack4j.hw.link;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What the {@link ExternalMedium}s share: one card plugged in once, each direction wrapped, and a
 * platform thread of the medium's own that hands what arrives to the card's input; and the start
 * of close, after which nothing the card sends is written and the card's link is down.
 *
 * <p>A subclass supplies the two directions ({@link #transmit}, on the card's thread, and
 * {@link #receiveLoop}, on the receive thread, which runs until {@link #stopping}) and releases
 * its own descriptors or sockets in {@link #close()}.
 */
abstract sealed class AbstractExternalMedium implements ExternalMedium permits SwitchLink, TapDevice {
    /** How long close waits for the receive thread to end. */
    static final long JOIN_MILLIS = 5000;

    /** Serialises transmits with close: once {@link #closed} is set under it, nothing is written. */
    final Object txLock = new Object();
    boolean closed; // guarded by txLock
    /** Set once close has begun; the receive loop ends when it sees it. */
    volatile boolean stopping;
    /** The card's input, wrapped; set before the receive thread starts, which alone uses it. */
    Link inbound;
    private final String receiverName;
    private Connector card;  // guarded by this
    private Thread receiver; // guarded by this
    private volatile Throwable receiverFailure;

    AbstractExternalMedium(String receiverName) {
        this.receiverName = receiverName;
    }

    /** One frame the card transmits, on the card's thread; drops it (counted) once {@link #closed}. */
    abstract void transmit(MemorySegment frame, long offset, int length);

    /** The receive thread's work: hands arriving frames to {@link #inbound} until {@link #stopping}. */
    abstract void receiveLoop();

    /**
     * Called by {@link #connect} once the card is recorded, before it is attached and the receive
     * thread starts: a medium that must get ready to receive does it here. Nothing by default.
     */
    void beforeAttach() {
    }

    @Override
    public final synchronized void connect(Connector card, UnaryOperator<Link> wrap) {
        Objects.requireNonNull(card, "card");
        Objects.requireNonNull(wrap, "wrap");
        if (this.card != null) {
            throw new IllegalStateException(describe() + " already has a card plugged in");
        }
        synchronized (txLock) {
            if (closed) {
                throw new IllegalStateException(describe() + " is closed");
            }
        }
        Link outbound = Objects.requireNonNull(wrap.apply(this::transmit), "wrapper returned null");
        this.inbound = Objects.requireNonNull(wrap.apply(card.input()), "wrapper returned null");
        this.card = card;
        beforeAttach();
        card.attach(outbound);
        receiver = Thread.ofPlatform().name(receiverName).daemon().unstarted(this::receive);
        receiver.start();
    }

    private void receive() {
        try {
            receiveLoop();
        } catch (Throwable t) { // kept for whoever owns the medium (a test's network rethrows it)
            receiverFailure = t;
        }
    }

    @Override
    public final Throwable receiverFailure() {
        return receiverFailure;
    }

    /** The card plugged in, or null. */
    final synchronized Connector card() {
        return card;
    }

    /** The receive thread, or null before a card is plugged in. */
    final synchronized Thread receiver() {
        return receiver;
    }

    /**
     * Begins close: marks the medium closed (waiting for a transmit in progress, so none is written
     * after), unplugs the card (its link goes down) and sets {@link #stopping}. The caller then
     * wakes its receive thread and {@link #joinReceiver joins} it. False if close had begun already.
     */
    final boolean beginClose() {
        synchronized (txLock) {
            if (closed) {
                return false;
            }
            closed = true;
        }
        Connector c = card();
        if (c != null) {
            c.detach();
        }
        stopping = true;
        return true;
    }

    /** Waits up to {@link #JOIN_MILLIS} for the receive thread to end; true if it has (or never started). */
    final boolean joinReceiver() {
        Thread t = receiver();
        if (t == null) {
            return true;
        }
        try {
            t.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }
}
