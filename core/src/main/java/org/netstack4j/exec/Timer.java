package org.netstack4j.exec;

/**
 * A re-armable one-shot timer, like a kernel {@code timer_list}: allocated once, armed and
 * cancelled any number of times without allocating. Fires at most once per arming.
 */
public final class Timer {
    private final Timeline timeline;
    private final String name;
    final Runnable action;
    // Owned by the timeline's heap, under its lock.
    long deadline;
    long sequence;
    int heapIndex = -1;

    Timer(Timeline timeline, String name, Runnable action) {
        this.timeline = timeline;
        this.name = name;
        this.action = action;
    }

    /** Fire at {@code deadlineNanos} on the timeline's clock (re-arming moves an armed timer). */
    public void arm(long deadlineNanos) {
        timeline.arm(this, deadlineNanos);
    }

    /** Fire {@code delayNanos} from now. */
    public void armAfter(long delayNanos) {
        timeline.arm(this, timeline.nanos() + delayNanos);
    }

    public void cancel() {
        timeline.cancel(this);
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "Timer[" + name + "]";
    }
}
