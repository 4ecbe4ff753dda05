package org.netstack4j.nio;

import org.junit.jupiter.api.Nested;
import org.netstack4j.nio.conformance.ChannelConformance;
import org.netstack4j.nio.conformance.Endpoints;

/**
 * The conformance suite against netstack4j's provider: two hosts on a cable, in simulated time
 * (the suite's threads are the simulation's) and on real threads. It must agree with what
 * {@code JdkChannelConformanceTest} sees of the JDK's own channels on loopback.
 */
class NetstackChannelConformanceTest {

    @Nested
    class Simulated extends ChannelConformance {
        @Override
        protected Endpoints endpoints() {
            return new NetstackEndpoints(true, 41);
        }
    }

    @Nested
    class RealThreads extends ChannelConformance {
        @Override
        protected Endpoints endpoints() {
            return new NetstackEndpoints(false, 42);
        }
    }
}
