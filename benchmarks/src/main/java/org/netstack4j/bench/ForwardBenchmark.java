package org.netstack4j.bench;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.ForwardingRig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * IPv4 forwarding, frames per second: a generator machine drives its driver directly, a
 * netstack4j router with two cards forwards each 64-byte frame, a sink counts it
 * ({@link ForwardingRig}). All three CPUs run on the benchmark thread, so the score is the whole
 * network on one core; the bench command also reports the router's share. One operation is one
 * forwarded frame; with {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes allocated per frame.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ForwardBenchmark -prof gc}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class ForwardBenchmark {
    private static final int FRAMES = 1024;

    @Param({"interrupt", "napi", "poll"})
    public String mode;

    private ForwardingRig rig;

    @Setup(Level.Trial)
    public void setUp() {
        rig = ForwardingRig.open(WakeMode.parse(mode));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        rig.close();
        if (!rig.poolsFull()) {
            throw new IllegalStateException("buffers were not all returned");
        }
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long forward() {
        return rig.forward(FRAMES);
    }
}
