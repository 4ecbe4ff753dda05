package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.netstack4j.driver.WakeMode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo as an integration test: every check passes in every wake mode, in simulated and real time. */
class DemoTest {
    /** The demo's checks, in order. */
    private static final String[] CHECKS = {"arp", "udp_ping", "udp_100_pings", "udp_concurrent", "dns", "icmp_echo",
            "tcp_http", "tcp_echo", "buffers"};

    @ParameterizedTest
    @EnumSource(WakeMode.class)
    void everyCheckPassesInSimulatedTime(WakeMode mode, @TempDir Path dir) throws Exception {
        List<Demo.Check> seen = new ArrayList<>();
        Demo.Report r = Demo.run(new Demo.Options(mode, 42L, dir.resolve("d.pcap")), seen::add);
        assertThat(r.checks()).extracting(Demo.Check::name).containsExactly(CHECKS);
        assertThat(r.checks()).allSatisfy(c -> assertThat(c.ok()).as(c.line()).isTrue());
        assertThat(seen).hasSize(CHECKS.length);
        assertThat(r.dnsAnswer()).isEqualTo("128.52.129.126");
        assertThat(Files.size(dir.resolve("d.pcap"))).isGreaterThan(1000);
    }

    @ParameterizedTest
    @EnumSource(WakeMode.class)
    void everyCheckPassesOnRealThreads(WakeMode mode, @TempDir Path dir) throws Exception {
        Demo.Report r = Demo.run(new Demo.Options(mode, null, dir.resolve("d.pcap")), c -> { });
        assertThat(r.checks()).extracting(Demo.Check::name).containsExactly(CHECKS);
        assertThat(r.checks()).allSatisfy(c -> assertThat(c.ok()).as(c.line()).isTrue());
        assertThat(r.dnsAnswer()).isEqualTo("128.52.129.126");
    }

    @Test
    void theSameSeedWritesTheSameCaptureByteForByte(@TempDir Path dir) throws Exception {
        Demo.run(new Demo.Options(WakeMode.NAPI, 5L, dir.resolve("a.pcap")), c -> { });
        Demo.run(new Demo.Options(WakeMode.NAPI, 5L, dir.resolve("b.pcap")), c -> { });
        Demo.run(new Demo.Options(WakeMode.NAPI, 6L, dir.resolve("c.pcap")), c -> { });
        byte[] a = Files.readAllBytes(dir.resolve("a.pcap"));
        assertThat(Files.readAllBytes(dir.resolve("b.pcap"))).isEqualTo(a);
        assertThat(Files.readAllBytes(dir.resolve("c.pcap"))).isNotEqualTo(a);
    }
}
