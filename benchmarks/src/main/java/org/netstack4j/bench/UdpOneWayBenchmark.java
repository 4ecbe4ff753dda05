package org.netstack4j.bench;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.UdpPair;
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
 * UDP one-way, datagrams per second: a client sends 64-byte datagrams in batches of 32 to a
 * server socket on another netstack4j host, which takes them all ({@link UdpPair}); both CPUs and
 * both applications on the benchmark thread in simulated time. One operation is one datagram;
 * with {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes allocated per datagram.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar UdpOneWayBenchmark -prof gc}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class UdpOneWayBenchmark {
    private static final int DATAGRAMS = 1024;

    @Param({"interrupt", "napi", "poll"})
    public String mode;

    private UdpPair pair;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        pair = UdpPair.open(WakeMode.parse(mode), 64);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        pair.close();
        if (!pair.poolsFull()) {
            throw new IllegalStateException("buffers were not all returned");
        }
    }

    @Benchmark
    @OperationsPerInvocation(DATAGRAMS)
    public long oneWay() throws Exception {
        return pair.oneWay(DATAGRAMS, 32);
    }
}
