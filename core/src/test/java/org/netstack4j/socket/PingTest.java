package org.netstack4j.socket;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.stack.Counter;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ping client between two simulated hosts, at every size it accepts. */
class PingTest {
    static final int A = Ipv4Address.parseBits("10.0.2.15");
    static final int B = Ipv4Address.parseBits("10.0.2.2");

    /**
     * Host a (10.0.2.15) and host b (10.0.2.2) on one cable. {@link #close} stops the network and
     * checks that every buffer came back.
     */
    private record Pair(Network net, Host a, Host b) implements AutoCloseable {
        static Pair start() {
            Network net = Network.simulated(7);
            Network.Node a = net.addHost("a", MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", WakeMode.NAPI,
                    HostConfig.DEFAULT);
            Network.Node b = net.addHost("b", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI,
                    HostConfig.DEFAULT);
            net.cable(a, b);
            net.start();
            return new Pair(net, a.host(), b.host());
        }

        /** A ping of {@code size} bytes from a to b, and its reply (null if none came within 2 s). */
        Ping.Reply ping(int size) throws Exception {
            return net.run("ping-" + size, () -> {
                try (Ping p = Ping.open(a, size)) {
                    return p.ping(B, size & 0xFFFF, size, Duration.ofSeconds(2));
                }
            });
        }

        @Override
        public void close() throws Exception {
            net.close();
            assertThat(net.poolsFull()).as("every buffer back in its pool").isTrue();
        }
    }

    @Test
    void aFortyThousandBytePingGoesOutAndComesBackInFragments() throws Exception {
        try (Pair pair = Pair.start()) {
            Ping.Reply r = pair.ping(40_000);
            assertThat(r).as("reply to a 40,000-byte ping").isNotNull();
            assertThat(r.bytes()).isEqualTo(40_000);
            assertThat(r.from()).isEqualTo(B);
            // 40,008 bytes of ICMP in fragments of 1,480: 28 each way, reassembled at each end.
            Host a = pair.a();
            Host b = pair.b();
            assertThat(a.counters().get(Counter.IP_FRAG_CREATES)).isEqualTo(28);
            assertThat(b.counters().get(Counter.IP_FRAG_CREATES)).isEqualTo(28);
            assertThat(b.counters().get(Counter.IP_REASM_OKS)).isEqualTo(1);
            assertThat(a.counters().get(Counter.IP_REASM_OKS)).isEqualTo(1);
            assertThat(a.counters().get(Counter.ICMP_IN_ECHO_REPS_DROPPED)).isZero();
        }
    }

    @Test
    void everySizeItAcceptsIsAnswered() throws Exception {
        try (Pair pair = Pair.start()) {
            // Around the old 64 KB ring's limits (32,748 the last that was answered, 32,756 the last
            // accepted) and the largest an IPv4 datagram can carry.
            int[] sizes = {8, 56, 1472, 1473, 32_748, 32_749, 32_756, 32_757, 40_000, 65_000, 65_001, Ping.MAX_PAYLOAD};
            List<Integer> answered = new ArrayList<>();
            for (int size : sizes) {
                Ping.Reply r = pair.ping(size); // every size here is legal: no exception is expected
                if (r != null && r.bytes() == size) {
                    answered.add(size);
                }
            }
            assertThat(answered).containsExactly(java.util.Arrays.stream(sizes).boxed().toArray(Integer[]::new));
            assertThat(pair.a().counters().get(Counter.ICMP_IN_ECHO_REPS_DROPPED)).isZero();
        }
    }

    @Test
    void sizesBeyondTheBoundsAreRefusedWhenOpenedWithAClearReason() throws Exception {
        try (Pair pair = Pair.start()) {
            Host a = pair.a();
            assertThat(Ping.MAX_PAYLOAD).isEqualTo(65_507);
            pair.net().run("bounds", () -> {
                assertThatThrownBy(() -> Ping.open(a, 65_508)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("8..65507").hasMessageContaining("65508");
                assertThatThrownBy(() -> Ping.open(a, 7)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("8..65507");
                try (Ping p = Ping.open(a, 1000)) {
                    assertThatThrownBy(() -> p.ping(B, 1, 1001, Duration.ofSeconds(1)))
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8..1000");
                }
                return null;
            });
        }
    }
}
