package org.netstack4j.bench;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.FrameExchange;
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

import java.util.concurrent.TimeUnit;

/**
 * Frames per second from one driver to another over a cable: a's driver fills its transmit
 * ring, the card DMAs each frame onto the wire and into b's card, b's driver drains its ring in
 * the chosen wake mode and refills it from its pool. Both CPUs run in simulated time on the
 * benchmark thread, so this measures the software path alone. One operation is one frame; with
 * {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes allocated per frame (target: 0).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar FrameBenchmark -prof gc}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class FrameBenchmark {
    private static final int BATCH = 256;

    @Param({"60", "1514"})
    public int size;

    @Param({"interrupt", "napi", "poll"})
    public String mode;

    private FrameExchange exchange;

    @Setup(Level.Trial)
    public void setUp() {
        exchange = FrameExchange.open(FrameExchange.Options.of(0, size, WakeMode.parse(mode), true));
        exchange.exchangeSimulated(BATCH, 0); // first lap of the rings outside the measurement
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        exchange.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long driverToDriver() {
        exchange.exchangeSimulated(BATCH, 0);
        return exchange.received();
    }
}
