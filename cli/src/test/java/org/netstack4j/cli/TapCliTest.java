package org.netstack4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.hw.link.TapDevice;
import org.netstack4j.lab.LabWorld;
import org.netstack4j.lab.LinuxPeer;
import org.netstack4j.lab.Netns;
import org.netstack4j.lab.RealPeers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code up} and {@code demo --tap} as people run them: a JVM started inside a namespace made for
 * the test ({@code ip netns exec}), on a persistent TAP device there whose Linux end is
 * 10.0.2.2/24, with Linux's tools as the peers; and SIGINT/SIGTERM ending {@code up} with its
 * counters and exit status 0.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TapCliTest {
    private static final Duration T = RealPeers.TOOL_TIMEOUT;
    private static final String TAP = "tap0";

    /** The command line of the CLI in a fresh JVM, with this test's classpath. */
    private static String[] cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd.toArray(String[]::new);
    }

    @Test
    void upAnswersLinuxThenCtrlCPrintsItsCountersAndExits0() throws Exception {
        RealPeers.require("ping", "dig", "socat");
        try (Netns ns = LinuxPeer.withPersistentTap(TAP)) {
            Netns.Background up = ns.start(cli("up", "--tap", TAP, "--ip", "10.0.2.15/24", "--gw", "10.0.2.2",
                    "--dns-record", LabWorld.DNS_NAME + "=" + LabWorld.DNS_ADDRESS,
                    "--capture", ns.dir().resolve("up.pcap").toString()));
            up.awaitOutput("Ctrl-C to stop", Duration.ofSeconds(60));
            assertThat(up.out()).contains("up: 10.0.2.15/24 (52:54:00:12:34:56) on TAP device tap0, napi mode, router 10.0.2.2");

            Netns.Result ping = ns.exec(T, "ping", "-n", "-c", "3", "-i", "0.1", "-W", "2", "10.0.2.15");
            assertThat(ping.out()).as(ping.output()).contains("3 received");
            Netns.Result dig = ns.exec(T, "dig", "@10.0.2.15", LabWorld.DNS_NAME, "+short", "+time=2", "+tries=2");
            assertThat(dig.out().strip()).as(dig.output()).isEqualTo(LabWorld.DNS_ADDRESS);
            Netns.Result udp = ns.exec(T, "sh", "-c", "printf '%s' '" + LabWorld.QUESTION + "' | socat -T 2 - UDP4:10.0.2.15:2000");
            assertThat(udp.out()).as(udp.output()).isEqualTo(LabWorld.ANSWER);

            up.signal("INT");
            Netns.Result r = up.await(Duration.ofSeconds(30));
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.out()).contains("up: stopping (signal)", "medium: TAP device tap0: rx_frames",
                    "InEchos 3", "udp_answered 1", "dns_answered 1", "every buffer back: yes", "capture: ");
            assertThat(r.err()).isEmpty();
        }
    }

    @Test
    void upStopsOnSigtermWithJsonCounters() throws Exception {
        RealPeers.require("ping");
        try (Netns ns = LinuxPeer.withPersistentTap(TAP)) {
            Netns.Background up = ns.start(cli("up", "--tap", TAP, "--json", "--mode", "interrupt"));
            up.awaitOutput("Ctrl-C to stop", Duration.ofSeconds(60));
            Netns.Result ping = ns.exec(T, "ping", "-n", "-c", "2", "-i", "0.1", "-W", "2", "10.0.2.15");
            assertThat(ping.out()).as(ping.output()).contains("2 received");

            up.signal("TERM");
            Netns.Result r = up.await(Duration.ofSeconds(30));
            assertThat(r.exit()).as(r.output()).isZero();
            String json = r.out().strip();
            assertThat(json).as("stdout is one JSON object and nothing else").startsWith("{").endsWith("}")
                    .doesNotContain("\n");
            assertThat(r.err()).contains("up: 10.0.2.15/24", "Ctrl-C to stop");
            Map<String, Object> m = MiniJsonParser.parseObject(json);
            assertThat(m).containsEntry("stopped_by", "signal").containsEntry("pools_full", true);
            @SuppressWarnings("unchecked")
            var host = ((List<Map<String, Object>>) m.get("hosts")).get(0);
            @SuppressWarnings("unchecked")
            var medium = (Map<String, Object>) host.get("medium");
            assertThat(medium).containsEntry("name", "TAP device tap0");
            @SuppressWarnings("unchecked")
            var frames = (Map<String, Long>) medium.get("counters");
            assertThat(frames.get("rx_frames")).isGreaterThanOrEqualTo(2);
            assertThat(frames.get("tx_frames")).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void demoRunsItsChecksAgainstLinux() throws Exception {
        RealPeers.require("python3", "dnsmasq", "ss");
        try (Netns ns = LinuxPeer.withPersistentTap(TAP)) {
            LinuxPeer.startPythonService(ns);
            LinuxPeer.startDnsmasq(ns);
            Netns.Result r = ns.exec(Duration.ofSeconds(90), cli("demo", "--tap", TAP, "--peer", "10.0.2.2",
                    "--capture", ns.dir().resolve("demo.pcap").toString()));

            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.out()).contains("netstack4j demo: host 10.0.2.15/24 on TAP device tap0, peer 10.0.2.2",
                    "got \"this is the host!\"", "100 of 100 pings", "DNS: pdos.csail.mit.edu is 128.52.129.126",
                    "medium: TAP device tap0", "all 7 checks passed");
        }
    }

    @Test
    void upOnABusyDeviceSaysSoInOneLine() throws Exception {
        RealPeers.require("ip");
        // Held by this JVM, never brought up: it carries nothing while it sits in this namespace.
        try (TapDevice held = TapDevice.open(Netns.newInterfaceName())) {
            MainTest.Run r = MainTest.run("up", "--tap", held.name());

            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.out()).isEmpty();
            assertThat(r.err().lines().toList()).hasSize(1).first().asString()
                    .startsWith("netstack4j up: cannot open TAP device " + held.name()).contains("device busy");
        }
    }

    @Test
    void upWithABadDeviceNameSaysSoInOneLine() {
        // Checked with the arguments, before anything is opened: a usage error.
        MainTest.Run r = MainTest.run("up", "--tap", "no/such");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines().toList()).hasSize(1).first().asString()
                .startsWith("netstack4j up: --tap 'no/such' is not a Linux interface name");
    }

    @Test
    void upOnAMissingDeviceSaysNoSuchDeviceAndCreatesNothing() {
        // Even as root, --tap opens what exists; only --create makes a device.
        MainTest.Run r = MainTest.run("up", "--tap", "nosuchtap0");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines().toList()).hasSize(1).first().asString()
                .contains("--tap nosuchtap0: no such device", "--create");
        assertThat(java.nio.file.Path.of("/sys/class/net/nosuchtap0")).doesNotExist();
    }

    /**
     * {@code kv serve} on TAP, reached from Linux by a Python client that speaks the frame format
     * from its description (README, FrameFormat): a put, a get, and a frame with a bad magic that
     * closes that connection only; the server's counters at Ctrl-C say so.
     */
    @Test
    void kvServeOnTapAnswersAPythonClientSpeakingTheFrameFormat() throws Exception {
        RealPeers.require("python3");
        try (Netns ns = LinuxPeer.withPersistentTap(TAP)) {
            Netns.Background kv = ns.start(cli("kv", "serve", "--tap", TAP, "--ip", "10.0.2.15/24", "--dir",
                    ns.dir().resolve("kv").toString()));
            kv.awaitOutput("Ctrl-C to stop", Duration.ofSeconds(60));
            String client = String.join("\n",
                    "import socket, struct",
                    "def frame(rid, body, flags=0):",
                    "    return b'N4' + bytes([1, 1, flags, 0, 0, 0]) + struct.pack('>QII', rid, 5000, len(body)) + body",
                    "def recv(s, n):",
                    "    b = b''",
                    "    while len(b) < n:",
                    "        c = s.recv(n - len(b))",
                    "        if not c: raise EOFError('closed')",
                    "        b += c",
                    "    return b",
                    "def call(s, rid, body, flags=0):",
                    "    s.sendall(frame(rid, body, flags))",
                    "    h = recv(s, 24)",
                    "    assert h[:4] == b'N4\\x01\\x02', h",
                    "    got, n = struct.unpack('>Q', h[8:16])[0], struct.unpack('>I', h[20:24])[0]",
                    "    return h[4], got, recv(s, n)",
                    "s = socket.create_connection(('10.0.2.15', 7000), timeout=5)",
                    "put = bytes([1, 5]) + b'users' + struct.pack('>H', 3) + b'ada' + struct.pack('>I', 8) + b'lovelace'",
                    "print('put', *call(s, 1, put)[:2])",
                    "status, rid, body = call(s, 2, bytes([0, 5]) + b'users' + struct.pack('>H', 3) + b'ada', 1)",
                    "print('get', status, rid, body[-8:].decode())",
                    "bad = socket.create_connection(('10.0.2.15', 7000), timeout=5)",
                    "bad.sendall(b'GET / HTTP/1.0\\r\\nHost: kv\\r\\n\\r\\n')",
                    "try:",
                    "    print('bad', bad.recv(100))",
                    "except ConnectionResetError:",
                    "    print('bad reset')",
                    "print('again', *call(s, 3, bytes([0, 5]) + b'users' + struct.pack('>H', 3) + b'ada', 1)[:2])");
            Netns.Result py = ns.exec(T, "python3", "-c", client);
            assertThat(py.out().lines()).as(py.output()).containsExactly("put 0 1", "get 0 2 lovelace",
                    py.out().contains("bad b''") ? "bad b''" : "bad reset", "again 0 3");
            kv.signal("INT");
            Netns.Result r = kv.await(Duration.ofSeconds(30));
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.out()).contains("malformed_frames         1", "answered                 3",
                    "connections_accepted     2");
        }
    }

    /** {@code run}: the JDK's HttpServer, in an unmodified example program, on netstack4j over TAP, answering curl. */
    @Test
    void runPutsAnUnmodifiedProgramOnNetstack4j() throws Exception {
        RealPeers.require("curl");
        try (Netns ns = LinuxPeer.withPersistentTap(TAP)) {
            Netns.Background run = ns.start(cli("run", "--tap", TAP, "--ip", "10.0.2.15/24", "--",
                    "org.netstack4j.nio.examples.HelloHttpServer", "8080"));
            run.awaitOutput("listening", Duration.ofSeconds(60));
            for (int i = 0; i < 5; i++) {
                Netns.Result get = ns.exec(T, "curl", "-sS", "--max-time", "5", "http://10.0.2.15:8080/");
                assertThat(get.out()).as(get.output()).isEqualTo("hello from the JDK's HttpServer\n");
            }
            run.signal("KILL");
            run.await(Duration.ofSeconds(10));
        }
        assertThat(MainTest.run("run", "--tap", TAP, "--", "no.such.Program").err()).contains("no class no.such.Program");
    }
}
