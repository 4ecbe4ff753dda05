package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.socket.DnsException;
import org.netstack4j.socket.DnsResolver;
import org.netstack4j.wire.Ipv4Address;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DNS with Linux's tools as the peer: dig asks our responder; our resolver asks dnsmasq. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TapDnsTest {
    private static final Duration T = RealPeers.TOOL_TIMEOUT;

    @Test
    void digAsksOurResponder() throws Exception {
        RealPeers.require("dig");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, null)) {
            Netns.Result a = lab.ns().exec(T, "dig", "@" + TapLab.HOST_IP, LabWorld.DNS_NAME, "A", "+time=2", "+tries=2");
            assertThat(a.ok()).as(a.output()).isTrue();
            assertThat(a.out()).contains("status: NOERROR", "flags: qr aa", LabWorld.DNS_ADDRESS);

            Netns.Result shortAnswer = lab.ns().exec(T, "dig", "@" + TapLab.HOST_IP, LabWorld.DNS_NAME, "+short",
                    "+time=2", "+tries=2");
            assertThat(shortAnswer.out().strip()).isEqualTo(LabWorld.DNS_ADDRESS);

            Netns.Result missing = lab.ns().exec(T, "dig", "@" + TapLab.HOST_IP, "nosuch.example", "+time=2", "+tries=2");
            assertThat(missing.out()).contains("status: NXDOMAIN");

            assertThat(lab.host().services().dns().answered()).isGreaterThanOrEqualTo(2);
            assertThat(lab.host().services().dns().nxdomain()).isEqualTo(1);
        }
    }

    @Test
    void ourResolverAsksDnsmasq() throws Exception {
        RealPeers.require("dnsmasq", "ss");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, null)) {
            lab.startDnsmasq();
            DnsResolver resolver = new DnsResolver(lab.host().host(), Ipv4Address.parseBits(TapLab.LINUX_IP));

            List<Integer> a = resolver.resolveA(LabWorld.DNS_NAME);
            assertThat(a).containsExactly(Ipv4Address.parseBits(LabWorld.DNS_ADDRESS));

            DnsResolver.Answer alias = resolver.resolve("alias.lab");
            assertThat(alias.cnames()).containsExactly(LabWorld.DNS_NAME);
            assertThat(alias.addresses()).containsExactly(Ipv4Address.parseBits(LabWorld.DNS_ADDRESS));

            assertThatThrownBy(() -> resolver.resolve("nosuch.lab"))
                    .isInstanceOfSatisfying(DnsException.class, e -> assertThat(e.kind()).isEqualTo(DnsException.Kind.NXDOMAIN));
            assertThat(resolver.timeouts()).isZero();
            assertThat(resolver.malformedResponses()).isZero();
        }
    }
}
