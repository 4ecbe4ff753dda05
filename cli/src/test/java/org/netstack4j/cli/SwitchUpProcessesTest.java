package org.netstack4j.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.netstack4j.lab.Closer;
import org.netstack4j.lab.LabWorld;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hosts in separate JVMs on one {@code netstack4j switch} process, every one a real process: two
 * {@code up} hosts (10.0.2.2 and 10.0.2.3, each answering ARP, ping, the lab's UDP service on port
 * 2000 and DNS) and a third host, {@code demo --switch --peer}, that runs the lab's checks against
 * each in turn: ARP, one UDP ping, 100 from one socket, 10 sockets at once, a DNS query, ICMP echo.
 * One {@code up} is killed outright (SIGKILL) and a client sends the switch a bad length prefix;
 * the switch and the other host go on serving. Over a Unix socket and over UDP on 127.0.0.1.
 */
@Timeout(60)
class SwitchUpProcessesTest {
    private static final Duration START = Duration.ofSeconds(20);
    private static final Duration RUN = Duration.ofSeconds(25);
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final Closer open = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        open.close();
    }

    private CliProcess start(String name, String... args) throws IOException {
        CliProcess p = CliProcess.start(name, args);
        open.add(p);
        return p;
    }

    private CliProcess up(String name, String address, String cidr, String mac) throws IOException {
        return start(name, "up", "--switch", address, "--ip", cidr, "--mac", mac,
                "--dns-record", LabWorld.DNS_NAME + "=" + LabWorld.DNS_ADDRESS);
    }

    /** Runs {@code demo --switch ADDRESS --peer PEER} as a process of its own; returns its JSON report. */
    private Map<String, Object> demo(String address, String peer, String capture) throws Exception {
        CliProcess d = start("demo-" + peer, "demo", "--switch", address, "--peer", peer, "--json",
                "--capture", dir.resolve(capture).toString());
        int exit = d.await(RUN);
        assertThat(exit).as(d.transcript()).isZero();
        String json = d.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(d.transcript()));
        return MiniJsonParser.parseObject(json);
    }

    @SuppressWarnings("unchecked")
    private static void assertEveryCheckPassed(Map<String, Object> report, String peer) {
        List<Map<String, Object>> checks = (List<Map<String, Object>>) report.get("checks");
        assertThat(checks).extracting(c -> c.get("name")).contains("arp", "udp_ping", "udp_100_pings",
                "udp_concurrent", "dns", "icmp_echo");
        assertThat(checks).allSatisfy(c -> assertThat(c.get("ok")).as(String.valueOf(c.get("line"))).isEqualTo(true));
        assertThat(checks.stream().filter(c -> c.get("name").equals("arp")).findFirst().orElseThrow().get("line"))
                .asString().contains(peer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "udp"})
    void twoUpHostsAndAClientOnOneSwitchProcessOneKilledOneBadClientTheRestGoOn(String kind) throws Exception {
        CliProcess sw = start("switch", "switch", "--listen", kind.equals("unix") ? "unix:" + dir.resolve("lab.sock") : "udp:0");
        String listening = sw.awaitLine(l -> l.startsWith("switch: listening on "), START);
        String address = listening.substring("switch: listening on ".length());

        CliProcess a = up("up-a", address, "10.0.2.2/24", "52:55:0a:00:02:02");
        CliProcess b = up("up-b", address, "10.0.2.3/24", "52:55:0a:00:02:03");
        a.awaitLine(l -> l.contains("Ctrl-C to stop"), START);
        b.awaitLine(l -> l.contains("Ctrl-C to stop"), START);

        assertEveryCheckPassed(demo(address, "10.0.2.2", "a.pcap"), "10.0.2.2");

        // A host dies without a word, and a client sends garbage: each costs the switch one port.
        a.kill();
        try (SwitchCommandTest.RawClient bad = new SwitchCommandTest.RawClient(address)) {
            if (kind.equals("unix")) {
                bad.writeRaw(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1, 2, 3});
                assertThat(bad.receive(WAIT)).isNull();
                assertThat(bad.eof).as("the bad client is cut off").isTrue();
            } else {
                bad.send(new byte[] {1, 2, 3}); // a runt datagram: dropped and counted
            }
        }

        assertEveryCheckPassed(demo(address, "10.0.2.3", "b.pcap"), "10.0.2.3");
        assertThat(sw.isAlive()).isTrue();

        assertThat(b.stop(WAIT)).as(b.transcript()).isZero();
        assertThat(b.out()).contains("up: stopping (signal)", "medium: switch at " + address, "every buffer back: yes");
        assertThat(sw.stop(WAIT)).as(sw.transcript()).isZero();
        String out = sw.out();
        assertThat(out).as(sw.transcript()).contains("switch: stopping (signal)", "5 hosts accepted");
        if (kind.equals("unix")) {
            // Every host left before the switch: a killed, the two demos and b closing, and the bad client cut off.
            assertThat(out).contains("4 disconnected, 1 cut off", "hosts that lost their port:",
                    ": bad length prefix: length 4294967295 (must be 1..65535)");
            assertThat(out.lines().filter(l -> l.contains(" on port ")
                    && (l.contains("closed by the host") || l.contains("socket error")))).hasSize(4);
        }
    }
}
