package org.netstack4j.nio.conformance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * The conformance suite against the JDK's own provider over real loopback: what it observes is, by
 * definition, what every other provider must agree with.
 */
class JdkChannelConformanceTest extends ChannelConformance {

    @Override
    protected Endpoints endpoints() throws IOException {
        // Nothing in these tests sets the java.nio.channels.spi.SelectorProvider system property or
        // installs a SelectorProvider service, so provider() is the JDK's default (sun.nio.ch). A JVM
        // started with netstack4j as its system-wide provider (as the module's unmodified-programs
        // execution is; -Dtest=... selects this class there too) has no public way back to the
        // JDK's own provider: the suite skips there rather than test the wrong provider.
        SelectorProvider jdk = SelectorProvider.provider();
        assumeTrue(jdk.getClass().getName().startsWith("sun.nio.ch."),
                () -> "the JVM's provider is " + jdk.getClass().getName() + ", not the JDK's default");
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int closedPort = freePort(jdk, loopback);
        return new Endpoints() {
            @Override
            public SelectorProvider server() {
                return jdk;
            }

            @Override
            public SelectorProvider client() {
                return jdk;
            }

            @Override
            public InetAddress serverAddress() {
                return loopback;
            }

            @Override
            public InetAddress clientAddress() {
                return loopback;
            }

            @Override
            public int closedPort() {
                return closedPort;
            }
        };
    }

    /** A port where nothing listens: one the system just chose for a listener that is gone again. */
    private static int freePort(SelectorProvider provider, InetAddress address) throws IOException {
        try (ServerSocketChannel probe = provider.openServerSocketChannel()) {
            probe.bind(new InetSocketAddress(address, 0));
            return ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
    }
}
