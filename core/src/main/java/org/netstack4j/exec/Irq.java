package org.netstack4j.exec;

/**
 * One interrupt line into a {@link Cpu}. The device side sees only {@link InterruptLine#level};
 * the driver side requests the line with a handler and frees it at tear-down. A high line with
 * no handler is ignored (and counted), as a kernel counts an unhandled IRQ.
 */
public final class Irq implements InterruptLine {
    private final Cpu cpu;
    private final String name;
    private volatile boolean high;
    private volatile Runnable handler;
    private long taken;

    Irq(Cpu cpu, String name) {
        this.cpu = cpu;
        this.name = name;
    }

    @Override
    public void level(boolean newLevel) {
        boolean rising = newLevel && !high;
        high = newLevel;
        if (rising && handler != null) {
            cpu.wake();
        }
    }

    /** Installs the handler that runs on the CPU while the line is high (request_irq). */
    public void request(Runnable newHandler) {
        if (handler != null) {
            throw new IllegalStateException("IRQ " + name + " is already requested");
        }
        handler = newHandler;
        if (high) {
            cpu.wake();
        }
    }

    /** Removes the handler (free_irq); the line is then ignored. */
    public void free() {
        handler = null;
    }

    boolean pending() {
        return high && handler != null;
    }

    /** Runs the handler; false if there was none by now (freed meanwhile). */
    boolean take() {
        Runnable h = handler;
        if (h != null) {
            taken++;
            h.run();
            return true;
        }
        return false;
    }

    public boolean isHigh() {
        return high;
    }

    /** Handler runs so far. */
    public long taken() {
        return taken;
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "Irq[" + name + ", taken=" + taken + "]";
    }
}
