package org.netstack4j.hw.e1000;

import org.netstack4j.exec.Timeline;
import org.netstack4j.exec.Timer;

import static org.netstack4j.hw.e1000.E1000Registers.DELAY_UNIT_NS;

/**
 * A delayed interrupt cause, as RDTR/RADV delay RXT0 and TIDV/TADV delay TXDW: a packet timer
 * restarted by every event, and an absolute timer started by the first event of a burst and not
 * restarted. Whichever expires first raises the cause. A zero packet delay raises it at once.
 */
final class InterruptDelay {
    private final InterruptUnit interrupts;
    private final int cause;
    private final Timer packetTimer;
    private final Timer absoluteTimer;
    private volatile int packetDelay; // volatile: event() reads it without the lock
    private int absoluteDelay;
    private boolean absoluteArmed;

    InterruptDelay(Timeline timeline, InterruptUnit interrupts, int cause, String name) {
        this.interrupts = interrupts;
        this.cause = cause;
        this.packetTimer = timeline.newTimer(name + "-packet", this::expired);
        this.absoluteTimer = timeline.newTimer(name + "-absolute", this::expired);
    }

    synchronized void setPacketDelay(int units) {
        packetDelay = units & 0xFFFF;
    }

    synchronized int packetDelay() {
        return packetDelay;
    }

    synchronized void setAbsoluteDelay(int units) {
        absoluteDelay = units & 0xFFFF;
    }

    synchronized int absoluteDelay() {
        return absoluteDelay;
    }

    /** An event that wants the cause: raise it now, or (re)start the timers. */
    void event() {
        if (packetDelay == 0) {
            interrupts.raise(cause); // no delay programmed (the usual case): no timer to touch, no lock
            return;
        }
        synchronized (this) {
            if (packetDelay != 0) {
                packetTimer.armAfter((long) packetDelay * DELAY_UNIT_NS);
                if (absoluteDelay != 0 && !absoluteArmed) {
                    absoluteArmed = true;
                    absoluteTimer.armAfter((long) absoluteDelay * DELAY_UNIT_NS);
                }
                return;
            }
        }
        interrupts.raise(cause);
    }

    /** Raise now, without waiting for the timers (the manual's immediate causes flush pending delays). */
    void fire() {
        expired();
    }

    private void expired() {
        synchronized (this) {
            packetTimer.cancel();
            absoluteTimer.cancel();
            absoluteArmed = false;
        }
        interrupts.raise(cause);
    }

    synchronized void reset() {
        packetTimer.cancel();
        absoluteTimer.cancel();
        absoluteArmed = false;
        packetDelay = 0;
        absoluteDelay = 0;
    }
}
