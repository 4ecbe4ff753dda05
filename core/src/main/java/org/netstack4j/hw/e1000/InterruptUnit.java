package org.netstack4j.hw.e1000;

import org.netstack4j.exec.InterruptLine;
import org.netstack4j.exec.Timeline;
import org.netstack4j.exec.Timer;

import java.lang.invoke.VarHandle;

import static org.netstack4j.hw.e1000.E1000Registers.ITR_UNIT_NS;

/**
 * ICR, ICS, IMS, IMC and ITR. The line is high while {@code ICR & IMS != 0}; ITR spaces
 * assertions at least {@code ITR × 256 ns} apart, and causes that arrive meanwhile accumulate in
 * ICR until the throttle timer lets the line rise. A leaf lock: nothing is called under it but the
 * line itself, which only wakes a CPU.
 */
final class InterruptUnit {
    private final Timeline timeline;
    private final Timer throttle;
    private InterruptLine line = InterruptLine.UNCONNECTED;
    /** Volatile so {@link #raise} can see without the lock that a cause is already pending. */
    private volatile int icr;
    private int ims;
    private int itr;
    private boolean high;
    private boolean throttleArmed;
    private long lastAssertNanos = Long.MIN_VALUE / 2;
    private long assertions;

    InterruptUnit(Timeline timeline, String name) {
        this.timeline = timeline;
        this.throttle = timeline.newTimer(name + "-itr", this::throttleExpired);
    }

    synchronized void connect(InterruptLine newLine) {
        line.level(false);
        line = newLine;
        high = false;
        update();
    }

    void raise(int causes) {
        // Causes already pending change nothing: ICR bits stay set until read, and the line already
        // reflects them (every change to ICR, IMS or ITR ran update). A masked or polled card raises
        // the same cause for every frame, so this spares each frame a lock.
        //
        // The fence makes that safe. The caller has just written the descriptor's DD (a release
        // store); a release store may be ordered after a later load (store-load reordering, which
        // x86 does), so without it this read of ICR could see a cause that the driver's read-to-
        // clear is about to take, while the driver's look at DD that follows its ICR read misses
        // the store: the frame would wait for the next interrupt. With DD ordered before this read,
        // either the read sees the cause still pending, so the driver's clear comes later and its
        // look at DD (fenced likewise in readAndClear) finds the frame, or it sees the cause
        // cleared and raises it again. A fence costs far less than the lock.
        VarHandle.fullFence();
        if ((icr & causes) == causes) {
            return;
        }
        synchronized (this) {
            icr |= causes;
            update();
        }
    }

    /**
     * ICR read: returns the causes and clears them. The fence orders the clear before whatever the
     * reader looks at next (descriptor DD bits), as a read of a device register does on real
     * hardware; the other half of the pairing with {@link #raise}.
     */
    int readAndClear() {
        int value;
        synchronized (this) {
            value = icr;
            icr = 0;
            update();
        }
        VarHandle.fullFence();
        return value;
    }

    /** ICR write: the causes written as 1s are cleared, the others stay (manual 13.4.17). */
    synchronized void clearCauses(int bits) {
        icr &= ~bits;
        update();
    }

    synchronized int peekCauses() {
        return icr;
    }

    synchronized void setMask(int bits) {
        ims |= bits;
        update();
    }

    synchronized void clearMask(int bits) {
        ims &= ~bits;
        update();
    }

    synchronized int mask() {
        return ims;
    }

    synchronized void setThrottle(int value) {
        itr = value & 0xFFFF;
        update();
    }

    synchronized int throttle() {
        return itr;
    }

    synchronized void reset() {
        icr = 0;
        ims = 0;
        itr = 0;
        throttle.cancel();
        throttleArmed = false;
        lastAssertNanos = Long.MIN_VALUE / 2;
        update();
    }

    /** How many times the line has risen (diagnostics). */
    synchronized long assertions() {
        return assertions;
    }

    private void throttleExpired() {
        synchronized (this) {
            throttleArmed = false;
            update();
        }
    }

    private void update() {
        boolean want = (icr & ims) != 0;
        if (want && !high) {
            long now = timeline.nanos();
            long earliest = lastAssertNanos + (long) itr * ITR_UNIT_NS;
            if (itr == 0 || now >= earliest) {
                high = true;
                lastAssertNanos = now;
                assertions++;
                line.level(true);
            } else if (!throttleArmed) {
                throttleArmed = true;
                throttle.arm(earliest);
            }
        } else if (!want && high) {
            high = false;
            line.level(false);
        }
    }
}
