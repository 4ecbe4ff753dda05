package org.netstack4j.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * What one thread hand-off costs on this machine: a token passed to a partner thread and back,
 * the partner either parked until woken ({@code park}: two wake-ups per round trip, as a blocking
 * application and a sleeping loop pay) or spinning ({@code spin}: no wake-up, one core taken). The
 * deployed rows of {@code bench} are sums of these: a blocking round trip between two hosts woken
 * in NAPI mode costs six wake-ups, with both hosts busy-polling on one thread two.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ThreadWakeBenchmark {
    /** How the partner waits for the token. */
    @Param({"park", "spin"})
    public String partnerWaits;

    private final AtomicInteger token = new AtomicInteger();
    private volatile boolean running;
    private volatile Thread caller;
    private Thread partner;

    @Setup(Level.Trial)
    public void start() {
        running = true;
        boolean spin = partnerWaits.equals("spin");
        partner = Thread.ofPlatform().daemon().name("partner").start(() -> {
            while (running) {
                if (token.get() == 1) {
                    token.set(2);
                    LockSupport.unpark(caller);
                } else if (!spin) {
                    LockSupport.parkNanos(1_000_000); // bounded: sees the end of the trial by itself
                }
            }
        });
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        running = false;
        LockSupport.unpark(partner);
        partner.join(5000);
    }

    /** The token to the partner and back: the caller parks until the partner hands it back. */
    @Benchmark
    public int roundTrip() {
        caller = Thread.currentThread();
        token.set(1);
        LockSupport.unpark(partner);
        while (token.get() != 2) {
            LockSupport.parkNanos(1_000_000);
        }
        token.set(0);
        return 2;
    }
}
