package org.netstack4j.stack;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.exec.Applications;
import org.netstack4j.exec.Cpu;
import org.netstack4j.exec.Job;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketException;

/**
 * A host's event loop: one job on the host's CPU that, each pass, runs the closes and the calls
 * application threads handed over ({@link #call}, {@link #handOff}), then the frames interrupt
 * handlers queued ({@link #backlog}), and flushes every interface once at the end of the batch.
 * Everything protocol code does happens here, on one thread, without a lock.
 */
public final class HostLoop {
    private static final long CALL_TIMEOUT_NANOS = 10_000_000_000L;
    /** Hand-offs and calls taken per pass, and frames: then the pass yields (fair to other jobs). */
    private static final int CALLS_PER_PASS = 256;
    private static final int FRAMES_PER_PASS = 64;

    private final Host host;
    private final Applications apps;
    private final HandoffQueue<Object> handoff;
    private final Job job;
    private final PacketBuffer[] backlogFrames;
    private final NetInterface[] backlogInterfaces;
    private int backlogHead;
    private int backlogCount;
    private int batchDepth;

    HostLoop(Host host, Cpu cpu, Applications apps, HostConfig config) {
        this.host = host;
        this.apps = apps;
        this.handoff = new HandoffQueue<>(2 * config.maxSockets() + 64);
        this.backlogFrames = new PacketBuffer[config.backlog()];
        this.backlogInterfaces = new NetInterface[config.backlog()];
        this.job = cpu.newJob(host.name() + "-loop", this::pass);
    }

    private Job.Result pass() {
        batchDepth++;
        host.sockets().runCloses();
        int n = 0;
        Object work;
        while (n < CALLS_PER_PASS && (work = handoff.poll()) != null) {
            n++;
            if (work instanceof Endpoint e) {
                e.drainSendRing();
            } else {
                ((LoopCall<?>) work).run();
            }
        }
        int frames = 0;
        while (backlogCount > 0 && frames < FRAMES_PER_PASS) {
            PacketBuffer frame = backlogFrames[backlogHead];
            NetInterface nic = backlogInterfaces[backlogHead];
            backlogFrames[backlogHead] = null;
            backlogInterfaces[backlogHead] = null;
            backlogHead = (backlogHead + 1) % backlogFrames.length;
            backlogCount--;
            frames++;
            nic.input(frame);
        }
        endBatch();
        return n == CALLS_PER_PASS || backlogCount > 0 ? Job.Result.MORE : Job.Result.DONE;
    }

    /** Asks for a pass (any thread). */
    void wake() {
        job.schedule();
    }

    /** A frame from an interrupt handler, for the protocol job. Dropped and counted when the backlog is full. */
    void backlog(NetInterface nic, PacketBuffer frame) {
        if (backlogCount == backlogFrames.length) {
            host.counters().count(Counter.ETH_BACKLOG_FULL);
            frame.release();
            return;
        }
        int at = (backlogHead + backlogCount) % backlogFrames.length;
        backlogFrames[at] = frame;
        backlogInterfaces[at] = nic;
        backlogCount++;
        job.schedule();
    }

    /** Frames still queued (the host is stopping): each goes back to its pool. */
    void dropBacklog() {
        for (int i = 0; i < backlogCount; i++) {
            backlogFrames[(backlogHead + i) % backlogFrames.length].release();
        }
        backlogCount = 0;
    }

    boolean batching() {
        return batchDepth > 0;
    }

    /** Defers every interface's tail write until the matching {@link #endBatch} (nests). */
    void beginBatch() {
        batchDepth++;
    }

    /** Ends a batch; the outermost end flushes every interface once. */
    void endBatch() {
        if (--batchDepth == 0) {
            for (NetInterface nic : host.interfaceArray()) {
                nic.flush();
            }
        }
    }

    // ==== Hand-off from application threads ================================================

    /** An endpoint has datagrams to send (any thread). */
    void handOff(Endpoint e) {
        while (!handoff.offer(e)) {
            Thread.onSpinWait(); // sized for every endpoint twice over: only a burst of calls fills it
        }
        job.schedule();
    }

    /** Work an application thread runs on the loop and waits for. */
    @FunctionalInterface
    public interface LoopTask<T> {
        T run() throws SocketException;
    }

    /** Runs {@code task} on the loop soon, with no one waiting for it (the host's own start-up work). */
    void post(LoopTask<?> task) {
        if (!handoff.offer(new LoopCall<>(task, null, apps))) {
            throw new IllegalStateException("the loop of " + host.name() + " is full at start");
        }
        job.schedule();
    }

    /**
     * Runs {@code task} on the loop and waits for its result (application threads). If the loop
     * does not get to it within 10 s the call fails, and the task will never run: a timed-out
     * call has no effect. Once the loop has started a task, the caller waits for it to finish.
     */
    public <T> T call(LoopTask<T> task) throws SocketException {
        if (!host.isStarted()) {
            // A stopped host is closed for every application: the one verdict that ends a server loop
            // (a loop that took it for a passing fault would spin on it for ever).
            throw new SocketClosedException("host " + host.name() + " is not running");
        }
        LoopCall<T> call = new LoopCall<>(task, Thread.currentThread(), apps);
        if (!handoff.offer(call)) {
            throw new SocketException("host " + host.name() + " is too busy to take the call");
        }
        job.schedule();
        long deadline = apps.clock().nanos() + CALL_TIMEOUT_NANOS;
        while (!call.done()) {
            if (apps.clock().nanos() >= deadline) {
                if (call.abandon()) {
                    throw new SocketException("host " + host.name() + " did not answer within 10 s (nothing was done)");
                }
                deadline = Long.MAX_VALUE; // the loop is running it now: its end is near
            }
            apps.block(deadline);
        }
        if (call.failure != null) {
            throw call.failure;
        }
        return call.result;
    }

    /** How long a caller waits for the loop before giving up (closes wait as long). */
    static long callTimeoutNanos() {
        return CALL_TIMEOUT_NANOS;
    }

    /**
     * A task on its way to the loop. Its state settles who owns it: the loop takes a pending call
     * by moving it to RUNNING, and a caller that stops waiting takes it back by moving it to
     * ABANDONED; only one of them can win. So a call whose caller gave up is never run later: it
     * cannot create an endpoint nobody holds, or bind a port the caller believes unbound.
     */
    static final class LoopCall<T> {
        private static final int PENDING = 0;
        private static final int RUNNING = 1;
        private static final int DONE = 2;
        private static final int ABANDONED = 3;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(LoopCall.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final LoopTask<T> task;
        private final Thread caller;
        private final Applications apps;
        private volatile int state; // PENDING at first; changed through STATE
        private T result;
        private SocketException failure;

        LoopCall(LoopTask<T> task, Thread caller, Applications apps) {
            this.task = task;
            this.caller = caller;
            this.apps = apps;
        }

        /** Loop: runs the task unless its caller has given up on it. */
        void run() {
            if (!STATE.compareAndSet(this, PENDING, RUNNING)) {
                return; // abandoned: the caller was told it failed, so it must have no effect
            }
            try {
                result = task.run();
            } catch (SocketException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = new SocketException(e.toString());
            }
            state = DONE;
            if (caller != null) {
                apps.wake(caller);
            }
        }

        boolean done() {
            return state == DONE;
        }

        /** Caller: gives up on a call the loop has not started. False if the loop already has it. */
        boolean abandon() {
            return STATE.compareAndSet(this, PENDING, ABANDONED);
        }
    }
}
