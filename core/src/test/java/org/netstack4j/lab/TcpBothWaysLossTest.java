package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.FaultInjector;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.stack.Counter;
import org.netstack4j.stack.Host;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data both ways at once through loss, in simulated time: a client streams 2 MB into the echo
 * service while reading the echo back. Each end then sends data while holding the other's
 * out-of-order data, so its segments carry SACK blocks: a full segment must leave room for them,
 * or it is larger than the MTU and dropped before it leaves (counted as an IP FragFails, then
 * recovered only by the timer). Byte-exact, and no segment too large.
 */
class TcpBothWaysLossTest {
    private static final int BYTES = 2 << 20;

    @Test
    void echoingThroughLossNoSegmentIsLargerThanThePath() throws Exception {
        Network net = Network.simulated(41);
        List<FaultInjector> injectors = new ArrayList<>();
        Network.Node a = net.addHost("client", MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", WakeMode.NAPI,
                org.netstack4j.stack.HostConfig.DEFAULT);
        Network.Node b = net.addHost("server", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI,
                org.netstack4j.stack.HostConfig.DEFAULT.withSeed(2));
        net.cable(a, b, link -> {
            FaultInjector f = new FaultInjector(link, net.timeline(), FaultInjector.Rates.NONE.withDrop(0.03),
                    41L * 7 + injectors.size());
            injectors.add(f);
            return f;
        });
        net.start();
        TcpServices.start(net, b.host(), () -> "page");
        byte[] data = new byte[BYTES];
        new SplittableRandom(41).nextBytes(data);
        Host client = a.host();
        AtomicReference<byte[]> echoed = new AtomicReference<>();
        net.run("client", () -> {
            TcpSocket s = TcpSocket.connect(client, Ipv4Address.parseBits("10.0.2.2"), TcpServices.ECHO, Duration.ofSeconds(30));
            s.setTimeout(Duration.ofSeconds(120));
            net.startApplication("reader", () -> {
                try (InputStream in = s.inputStream()) {
                    ByteArrayOutputStream got = new ByteArrayOutputStream();
                    byte[] buf = new byte[65_536];
                    int n;
                    while (got.size() < BYTES && (n = in.read(buf)) > 0) {
                        got.write(buf, 0, n);
                    }
                    echoed.set(got.toByteArray());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            for (int off = 0; off < BYTES; off += 50_000) {
                s.write(data, off, Math.min(50_000, BYTES - off));
            }
            return null;
        });
        for (int i = 0; i < 600 && echoed.get() == null; i++) {
            net.idle(1_000_000_000L);
        }
        assertThat(echoed.get()).as("echoed byte-exact").isEqualTo(data);
        for (Network.Node n : List.of(a, b)) {
            assertThat(n.host().counters().get(Counter.IP_FRAG_FAILS)).as("%s: segments too large for the MTU",
                    n.host().name()).isZero();
        }
        long dropped = injectors.stream().mapToLong(f -> f.counters().dropped()).sum();
        assertThat(dropped).as("the cable lost frames").isPositive();
        net.close();
        for (FaultInjector f : injectors) {
            f.close();
        }
        assertThat(net.poolsFull()).isTrue();
    }
}
