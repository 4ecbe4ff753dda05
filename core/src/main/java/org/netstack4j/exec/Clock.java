package org.netstack4j.exec;

/** A source of time in nanoseconds: the machine's monotonic clock, or a simulation's. */
@FunctionalInterface
public interface Clock {
    long nanos();
}
