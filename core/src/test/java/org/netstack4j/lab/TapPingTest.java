package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.socket.Ping;
import org.netstack4j.stack.Counter;
import org.netstack4j.wire.Ipv4Address;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ICMP and ARP with Linux as the peer, over TAP in a namespace made for each test: Linux's ping
 * and arping against our host, and our ping against Linux, with datagrams big enough to be
 * fragmented each way.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TapPingTest {
    private static final Duration T = RealPeers.TOOL_TIMEOUT;

    @ParameterizedTest
    @EnumSource(WakeMode.class)
    void linuxPingsOurHost(WakeMode mode) throws Exception {
        RealPeers.require("ping");
        try (TapLab lab = TapLab.withHost(mode, null)) {
            Netns.Result r = lab.ns().exec(T, "ping", "-n", "-c", "5", "-i", "0.05", "-W", "2", TapLab.HOST_IP);

            assertThat(r.ok()).as(r.output()).isTrue();
            assertThat(r.out()).contains("5 packets transmitted, 5 received, 0% packet loss");
            assertThat(lab.count(Counter.ICMP_IN_ECHOS)).isEqualTo(5);
            assertThat(lab.count(Counter.ICMP_OUT_ECHO_REPS)).isEqualTo(5);
        }
    }

    @Test
    void linuxPingsWithFragmentsBothWays() throws Exception {
        RealPeers.require("ping");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, null)) {
            Netns.Result r = lab.ns().exec(T, "ping", "-n", "-c", "3", "-i", "0.1", "-W", "2", "-s", "4000", TapLab.HOST_IP);

            assertThat(r.ok()).as(r.output()).isTrue();
            assertThat(r.out()).contains("3 packets transmitted, 3 received", "4008 bytes from 10.0.2.15");
            // 4028-byte datagrams: three fragments each way at MTU 1500, reassembled by us and by Linux.
            assertThat(lab.count(Counter.IP_REASM_OKS)).isEqualTo(3);
            assertThat(lab.count(Counter.IP_FRAG_OKS)).isEqualTo(3);
            assertThat(lab.count(Counter.IP_FRAG_CREATES)).isEqualTo(9);
            assertThat(lab.count(Counter.IP_REASM_FAILS)).isZero();
        }
    }

    @Test
    void arpingFindsOurMac() throws Exception {
        RealPeers.require("arping");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, null)) {
            Netns.Result r = lab.ns().exec(T, "arping", "-c", "3", "-w", "5", "-I", lab.tapName(), TapLab.HOST_IP);

            assertThat(r.ok()).as(r.output()).isTrue();
            assertThat(r.out().toLowerCase()).contains(TapLab.HOST_MAC);
            assertThat(lab.count(Counter.ARP_IN_REQUESTS)).isGreaterThanOrEqualTo(3);
            assertThat(lab.count(Counter.ARP_OUT_REPLIES)).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void ourPingReachesLinuxSmallAndFragmented() throws Exception {
        RealPeers.require("ip");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, null)) {
            int linux = Ipv4Address.parseBits(TapLab.LINUX_IP);
            int small = 0;
            int large = 0;
            try (Ping ping = Ping.open(lab.host().host(), 4000)) {
                for (int i = 1; i <= 5; i++) {
                    Ping.Reply reply = ping.ping(linux, i, 56, Duration.ofSeconds(2));
                    if (reply != null && reply.from() == linux && reply.bytes() == 56) {
                        small++;
                    }
                }
                for (int i = 6; i <= 8; i++) {
                    Ping.Reply reply = ping.ping(linux, i, 4000, Duration.ofSeconds(2));
                    if (reply != null && reply.from() == linux && reply.bytes() == 4000) {
                        large++;
                    }
                }
            }
            assertThat(small).isEqualTo(5);
            assertThat(large).isEqualTo(3);
            assertThat(lab.count(Counter.IP_FRAG_CREATES)).isEqualTo(9);
            assertThat(lab.count(Counter.IP_REASM_OKS)).isEqualTo(3);
            // Linux's view: eight echo requests came in, eight replies went out, and it reassembled three.
            assertThat(lab.linuxCounter("Icmp", "InEchos")).isEqualTo(8);
            assertThat(lab.linuxCounter("Icmp", "OutEchoReps")).isEqualTo(8);
            assertThat(lab.linuxCounter("Ip", "ReasmOKs")).isEqualTo(3);
        }
    }
}
