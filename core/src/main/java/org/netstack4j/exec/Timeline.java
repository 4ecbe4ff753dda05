package org.netstack4j.exec;

/**
 * A clock together with the timers that fire on it. Hardware (interrupt moderation, medium
 * delays) and protocol code ask their timeline for timers instead of sleeping, so the same code
 * runs in real time and in simulated time.
 */
public interface Timeline extends Clock {

    /** A new, unarmed timer that runs {@code action} when it fires. Allocate timers once, arm them often. */
    Timer newTimer(String name, Runnable action);

    /** Called by {@link Timer}; arms or re-arms it. */
    void arm(Timer timer, long deadlineNanos);

    /** Called by {@link Timer}; disarms it if armed. */
    void cancel(Timer timer);
}
