package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.DriverConfig;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.lab.Nic;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.net.NoRouteToHostException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ICMP errors reach TCP connections: a router's "fragmentation needed" lowers the segment size
 * (path MTU discovery, RFC 1191), and an error about an opening connection ends it with a clear
 * error. Host a (10.0.2.15) — router (10.0.2.1 | 10.0.3.1, that side a link of MTU 576) — host b
 * (10.0.3.20).
 */
class TcpIcmpTest {
    private static final int B = Ipv4Address.parseBits("10.0.3.20");
    private static final int ROUTER_2 = Ipv4Address.parseBits("10.0.2.1");
    private static final int ROUTER_3 = Ipv4Address.parseBits("10.0.3.1");
    private static final long MS = 1_000_000L;

    private static Network routed(HostConfig aConfig) {
        Network net = Network.simulated(8);
        Network.Node a = net.addHost("a", MacAddress.parse("52:54:00:00:00:0a"), "10.0.2.15/24", WakeMode.NAPI, aConfig);
        a.host().setDefaultGateway(ROUTER_2);
        Network.Node router = net.addHost("router", MacAddress.parse("52:54:00:00:01:01"), "10.0.2.1/24",
                WakeMode.NAPI, HostConfig.DEFAULT.withForwarding(true));
        DriverConfig driver = DriverConfig.of(WakeMode.NAPI);
        Nic eth1 = router.machine().addNic("eth1", MacAddress.parse("52:54:00:00:01:02"), driver, driver.rxRingSize());
        router.host().addInterface("eth1", new SmallMtuDevice(eth1.driver(), 576), ROUTER_3, 24);
        Network.Node b = net.addHost("b", MacAddress.parse("52:54:00:00:00:0b"), "10.0.3.20/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        b.host().setDefaultGateway(ROUTER_3);
        net.cable(a, 0, router, 0);
        net.cable(router, 1, b, 0);
        net.start();
        return net;
    }

    @Test
    void fragmentationNeededLowersTheSegmentSizeAndTheTransferGoesOn() throws Exception {
        Network net = routed(HostConfig.DEFAULT);
        Host a = net.nodes().get(0).host();
        Host router = net.nodes().get(1).host();
        Host b = net.nodes().get(2).host();
        AtomicReference<byte[]> digest = TcpFaultsTest.startSink(net, b);
        byte[] data = new byte[300_000];
        new SplittableRandom(8).nextBytes(data);
        int peerMss = net.run("sender", () -> {
            try (TcpSocket s = TcpSocket.connect(a, B, 9, Duration.ofSeconds(5))) {
                s.setTimeout(Duration.ofSeconds(60));
                s.write(data);
                return s.info().peerMss();
            }
        });
        net.idle(2000 * MS);
        assertThat(digest.get()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        assertThat(peerMss).as("576 less the IP and TCP headers").isEqualTo(536);
        // One error per segment of the first flight (each was too big: the initial window is 10); then it fits.
        assertThat(a.counters().get(Counter.TCP_IN_ICMP_ERRORS)).isBetween(1L, 10L);
        assertThat(router.counters().get(Counter.IP_FRAG_FAILS)).isPositive();
        assertThat(router.counters().get(Counter.IP_FRAG_CREATES)).as("TCP sets DF: the router never cuts").isZero();
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void timeExceededForAnOpeningConnectionEndsItWithAClearError() throws Exception {
        // a's datagrams leave with a TTL of 1: the router cannot forward them and says so.
        Network net = routed(HostConfig.builder().defaultTtl(1).build());
        Host a = net.nodes().get(0).host();
        Throwable t = net.run("connect", () -> {
            try (TcpSocket s = TcpSocket.connect(a, B, 9, Duration.ofSeconds(30))) {
                return null;
            } catch (NoRouteToHostException e) {
                return e;
            }
        });
        assertThat(t).isInstanceOf(NoRouteToHostException.class)
                .hasMessageContaining("Time to live exceeded from 10.0.2.1");
        assertThat(a.counters().get(Counter.TCP_IN_ICMP_ERRORS)).isEqualTo(1);
        assertThat(a.counters().get(Counter.TCP_ATTEMPT_FAILS)).isEqualTo(1);
        assertThat(net.applications().clock().nanos()).as("at once, not after the SYN's retries").isLessThan(1000 * MS);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }
}
