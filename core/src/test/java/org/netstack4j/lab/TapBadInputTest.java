package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.stack.Counter;
import org.netstack4j.stack.StackCounters;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input from Linux: frames built with scapy ({@code bad_frames.py}), each wrong in one way —
 * truncated, bad checksums, bogus lengths, overlapping fragments, unknown types, too long — sent
 * onto the TAP device. Each is dropped and lands in its own counter, nothing is answered, and the
 * host keeps answering Linux's ping afterwards.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TapBadInputTest {
    private static final Duration T = RealPeers.TOOL_TIMEOUT;

    @Test
    void badFramesAreDroppedAndCountedAndTheHostKeepsAnswering() throws Exception {
        RealPeers.require("python3", "ping");
        RealPeers.requirePython("scapy");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, null)) {
            String tap = lab.tapName();
            lab.ns().ip("link", "set", "dev", tap, "mtu", "9000"); // so Linux lets the 3000-byte frame out
            Path script = lab.ns().dir().resolve("bad_frames.py");
            try (InputStream in = TapBadInputTest.class.getResourceAsStream("bad_frames.py")) {
                Files.copy(in, script);
            }
            String linuxMac = lab.ns().exec(T, "cat", "/sys/class/net/" + tap + "/address").out().strip();
            StackCounters live = lab.host().host().counters();
            Map<Counter, Long> before = snapshot(live);

            Netns.Result sent = lab.ns().exec(Duration.ofSeconds(60), RealPeers.find("python3"), script.toString(),
                    tap, linuxMac, TapLab.HOST_MAC);
            assertThat(sent.ok()).as(sent.output()).isTrue();
            assertThat(sent.out()).contains("sent 18");
            // 16 of the 18 reach the stack: the card filters the other station's frame and drops the long one.
            assertThat(RealPeers.await(() -> live.get(Counter.ETH_IN_FRAMES) - before.get(Counter.ETH_IN_FRAMES) >= 16, 10_000))
                    .as("frames reached the stack: %s", lab.host().report()).isTrue();

            Netns.Result ping = lab.ns().exec(T, "ping", "-n", "-c", "3", "-i", "0.1", "-W", "2", TapLab.HOST_IP);
            assertThat(ping.ok()).as(ping.output()).isTrue();
            assertThat(ping.out()).contains("3 received");

            StandaloneHost host = lab.host();
            host.close(); // final counters, and every buffer back
            assertThat(host.poolsFull()).isTrue();
            Map<Counter, Long> d = delta(before, snapshot(live));
            assertThat(d.get(Counter.IP_IN_HDR_ERRORS)).as("truncated, IHL 4, total < header, version 6, empty").isEqualTo(5);
            assertThat(d.get(Counter.IP_IN_CSUM_ERRORS)).isEqualTo(1);
            assertThat(d.get(Counter.UDP_IN_ERRORS)).as("bad checksum, length too long, too short").isEqualTo(3);
            assertThat(d.get(Counter.UDP_IN_CSUM_ERRORS)).isEqualTo(1);
            assertThat(d.get(Counter.ICMP_IN_CSUM_ERRORS)).isEqualTo(1);
            assertThat(d.get(Counter.ICMP_IN_ERRORS)).isEqualTo(1);
            assertThat(d.get(Counter.ARP_IN_ERRORS)).isEqualTo(1);
            assertThat(d.get(Counter.IP_REASM_REQDS)).isEqualTo(4);
            assertThat(d.get(Counter.IP_REASM_OVERLAPS)).isEqualTo(2);
            assertThat(d.get(Counter.IP_REASM_FAILS)).isEqualTo(2);
            assertThat(d.get(Counter.IP_REASM_OKS)).isZero();
            assertThat(d.get(Counter.ETH_UNKNOWN_TYPE)).isEqualTo(1);
            assertThat(d.get(Counter.UDP_IN_DATAGRAMS)).isZero();
            assertThat(host.services().udpAnswered()).as("the service answered nothing bad").isZero();
            assertThat(d.get(Counter.ICMP_IN_ECHOS)).as("only Linux's three good pings").isEqualTo(3);
            assertThat(d.get(Counter.ICMP_OUT_ECHO_REPS)).isEqualTo(3);
            var card = host.node().machine().nics().getFirst().card();
            assertThat(card.diagnostics().filtered()).as("the frame for another station").isEqualTo(1);
            assertThat(host.host().interfaces().getFirst().deviceCounters().get("rx_long_length_errors")).isEqualTo(1);
            assertThat(host.medium().counters().get("rx_errors")).isZero();
        }
    }

    /** The frames of the report that once stopped the UDP service and DNS for good (hostile_frames.py). */
    @Test
    void theFramesThatOnceStoppedTheServicesLeaveThemAnswering() throws Exception {
        RealPeers.require("python3", "ping", "socat", "dig");
        RealPeers.requirePython("scapy");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, null)) {
            String tap = lab.tapName();
            Path script = lab.ns().dir().resolve("hostile_frames.py");
            try (InputStream in = TapBadInputTest.class.getResourceAsStream("hostile_frames.py")) {
                Files.copy(in, script);
            }
            String linuxMac = lab.ns().exec(T, "cat", "/sys/class/net/" + tap + "/address").out().strip();
            StackCounters live = lab.host().host().counters();
            Map<Counter, Long> before = snapshot(live);

            Netns.Result sent = lab.ns().exec(Duration.ofSeconds(60), RealPeers.find("python3"), script.toString(),
                    tap, linuxMac, TapLab.HOST_MAC);
            assertThat(sent.ok()).as(sent.output()).isTrue();
            assertThat(sent.out()).contains("malformed_option parameter_problem pointer=21", "source_routed refused",
                    "record_route reply routers=" + TapLab.HOST_IP, "done");

            // Every service still answers Linux's own tools.
            Netns.Result udp = lab.ns().exec(T, "sh", "-c", "printf hello | " + RealPeers.find("socat")
                    + " -t 2 - UDP4:" + TapLab.HOST_IP + ":2000");
            assertThat(udp.out()).as(udp.output()).contains("this is the host!");
            Netns.Result dig = lab.ns().exec(T, RealPeers.find("dig"), "+short", "+time=2", "+tries=1",
                    "@" + TapLab.HOST_IP, "pdos.csail.mit.edu");
            assertThat(dig.out().strip()).as(dig.output()).isEqualTo("128.52.129.126");
            Netns.Result ping = lab.ns().exec(T, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", TapLab.HOST_IP);
            assertThat(ping.out()).as(ping.output()).contains("2 received");
            assertThat(lab.host().services().running()).containsExactly("udp/2000", "dns/53");

            StandaloneHost host = lab.host();
            host.close();
            assertThat(host.poolsFull()).isTrue();
            Map<Counter, Long> d = delta(before, snapshot(live));
            assertThat(d.get(Counter.UDP_IN_PORT_ZERO)).isEqualTo(2);
            // The two forged ones, and Linux's real one for the FORMERR sent to its port 5353 where nobody listens.
            assertThat(d.get(Counter.UDP_UNREACHABLE_IGNORED)).isEqualTo(3);
            assertThat(d.get(Counter.IP_IN_BAD_OPTIONS)).isEqualTo(1);
            assertThat(d.get(Counter.ICMP_OUT_PARM_PROBS)).isEqualTo(1);
            assertThat(d.get(Counter.IP_IN_SOURCE_ROUTED)).isEqualTo(1);
            assertThat(host.services().dns().dropped()).as("the cut header and the response (formerr %d)",
                    host.services().dns().formerr()).isEqualTo(2);
            assertThat(host.services().dns().formerr()).as("the name that points at itself: FORMERR").isEqualTo(1);
            assertThat(host.services().udpFaults().total() + host.services().dns().faults().total()).isZero();
        }
    }

    private static Map<Counter, Long> snapshot(StackCounters c) {
        Map<Counter, Long> m = new EnumMap<>(Counter.class);
        for (Counter k : Counter.values()) {
            m.put(k, c.get(k));
        }
        return m;
    }

    private static Map<Counter, Long> delta(Map<Counter, Long> before, Map<Counter, Long> after) {
        Map<Counter, Long> m = new EnumMap<>(Counter.class);
        for (Counter k : Counter.values()) {
            m.put(k, after.get(k) - before.get(k));
        }
        return m;
    }
}
