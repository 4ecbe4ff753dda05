package org.netstack4j.bench;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.TcpStreamPair;
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
 * TCP bulk, bytes per second: one stream from a client host to a server host (E1000, driver,
 * stack on a cable in simulated time, every CPU and both applications on the benchmark thread),
 * the server application reading everything. One operation is one byte delivered, so the score
 * is bytes/s; with {@code -prof gc}, {@code gc.alloc.rate.norm} times the segment size is the
 * bytes allocated per segment. The JDK's loopback beside it is in {@code ./netstack4j bench}.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar TcpBulkBenchmark -prof gc}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class TcpBulkBenchmark {
    /** Bytes per invocation: enough to fill both windows many times over. */
    static final int BYTES = 1 << 20;

    @State(Scope.Thread)
    public static class Stream {
        @Param({"interrupt", "napi", "poll"})
        public String mode;

        @Param({"1500", "9000"})
        public int mtu;

        TcpStreamPair pair;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            pair = TcpStreamPair.open(WakeMode.parse(mode), mtu);
            pair.bulk(BYTES); // slow start over before the first measured byte
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            pair.close();
            if (!pair.poolsFull()) {
                throw new IllegalStateException("buffers or stream chunks were not all returned");
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BYTES)
    public long netstack4j(Stream s) throws Exception {
        return s.pair.bulk(BYTES);
    }
}
