package org.netstack4j.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.netstack4j.lab.Closer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code netstack4j switch} as a real process, with hand-written clients on its sockets. */
@Timeout(30)
class SwitchCommandTest {
    private static final Duration START = Duration.ofSeconds(15);
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final Closer open = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        open.close();
    }

    /** An Ethernet frame from 02:00:00:00:00:src to {@code dst} (all ones: broadcast) carrying {@code seq}. */
    static byte[] frame(long dst, int src, int seq, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putShort((short) (dst >>> 32)).putInt((int) dst);
        b.putShort((short) 0x0200).putInt(src);
        b.putShort((short) 0x88b5).putInt(seq);
        return b.array();
    }

    static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    /** A client that speaks the framing itself: 4-byte big-endian length and frame on a stream, a datagram over UDP. */
    static final class RawClient implements AutoCloseable {
        final SocketChannel stream;
        final DatagramChannel datagram;
        final Selector selector = Selector.open();

        RawClient(String address) throws IOException {
            if (address.startsWith("unix:")) {
                stream = SocketChannel.open(UnixDomainSocketAddress.of(address.substring(5)));
                datagram = null;
                stream.configureBlocking(false);
                stream.register(selector, SelectionKey.OP_READ);
            } else {
                stream = null;
                datagram = DatagramChannel.open(StandardProtocolFamily.INET);
                datagram.bind(new InetSocketAddress("127.0.0.1", 0));
                datagram.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(address.substring(address.lastIndexOf(':') + 1))));
                datagram.configureBlocking(false);
                datagram.register(selector, SelectionKey.OP_READ);
            }
        }

        void send(byte[] frame) throws IOException {
            if (stream != null) {
                writeRaw(ByteBuffer.allocate(4 + frame.length).putInt(frame.length).put(frame).array());
            } else {
                datagram.write(ByteBuffer.wrap(frame));
            }
        }

        void writeRaw(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                stream.write(b);
            }
        }

        /** The next frame, or null if none came in time (or the switch closed the stream: see {@link #eof}). */
        byte[] receive(Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            if (datagram != null) {
                ByteBuffer b = ByteBuffer.allocate(65_536);
                while (datagram.receive(b) == null) {
                    if (!await(deadline)) {
                        return null;
                    }
                }
                return Arrays.copyOf(b.array(), b.position());
            }
            ByteBuffer header = ByteBuffer.allocate(4);
            if (!fill(header, deadline)) {
                return null;
            }
            ByteBuffer f = ByteBuffer.allocate(header.getInt(0));
            return fill(f, deadline) ? f.array() : null;
        }

        boolean eof;

        private boolean fill(ByteBuffer b, long deadline) throws IOException {
            while (b.hasRemaining()) {
                int n;
                try {
                    n = stream.read(b);
                } catch (IOException reset) {
                    n = -1;
                }
                if (n < 0) {
                    eof = true;
                    return false;
                }
                if (n == 0 && !await(deadline)) {
                    return false;
                }
            }
            return true;
        }

        private boolean await(long deadline) throws IOException {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            selector.select(Math.max(1, left / 1_000_000));
            selector.selectedKeys().clear();
            return true;
        }

        @Override
        public void close() throws IOException {
            selector.close();
            if (stream != null) {
                stream.close();
            } else {
                datagram.close();
            }
        }
    }

    private RawClient client(String address) throws IOException {
        RawClient c = new RawClient(address);
        open.add(c);
        return c;
    }

    private CliProcess start(String name, String... args) throws IOException {
        CliProcess p = CliProcess.start(name, args);
        open.add(p);
        return p;
    }

    /**
     * Waits until the switch has given every client a port (a connect returns before the switch
     * accepts): {@code sender} broadcasts until each of {@code others} hears it, then the rest is drained.
     */
    static void awaitPorts(RawClient sender, RawClient... others) throws Exception {
        for (int attempt = 0; attempt < 50; attempt++) {
            sender.send(frame(BROADCAST, 99, 1000 + attempt, 60));
            boolean all = true;
            for (RawClient o : others) {
                all &= o.receive(Duration.ofMillis(100)) != null;
            }
            if (all) {
                for (RawClient o : others) {
                    while (o.receive(Duration.ofMillis(50)) != null) {
                        // an earlier attempt's frame, late
                    }
                }
                return;
            }
        }
        throw new AssertionError("the switch did not give every client a port");
    }

    static int seqOf(byte[] f) {
        return ByteBuffer.wrap(f).getInt(14);
    }

    @Test
    void aSwitchProcessServesItsHostsLosesOnlyABadOneAndPrintsItsPortsOnSigterm() throws Exception {
        Path socket = dir.resolve("sw.sock");
        CliProcess sw = start("switch", "switch", "--listen", "unix:" + socket);
        sw.awaitLine(l -> l.equals("switch: listening on unix:" + socket), START);
        sw.awaitLine(l -> l.contains("Ctrl-C to stop"), WAIT);

        RawClient a = client("unix:" + socket);
        RawClient b = client("unix:" + socket);
        RawClient bad = client("unix:" + socket);
        awaitPorts(a, b, bad);
        a.send(frame(BROADCAST, 1, 1, 60));
        assertThat(seqOf(b.receive(WAIT))).isEqualTo(1);
        assertThat(seqOf(bad.receive(WAIT))).isEqualTo(1);

        bad.writeRaw(new byte[] {0, 0, 0, 0}); // a length of 0: out of step
        assertThat(bad.receive(WAIT)).isNull();
        assertThat(bad.eof).as("the bad host's connection is closed").isTrue();

        b.send(frame(0x0200_0000_0001L, 2, 2, 1514)); // unicast to a, learned on its port
        assertThat(seqOf(a.receive(WAIT))).isEqualTo(2);
        RawClient late = client("unix:" + socket); // and the switch takes new hosts
        awaitPorts(a, late);
        assertThat(b.receive(WAIT)).isNotNull(); // (b heard those broadcasts too)
        while (b.receive(Duration.ofMillis(50)) != null) {
            // drain
        }
        a.send(frame(BROADCAST, 1, 3, 60));
        assertThat(seqOf(late.receive(WAIT))).isEqualTo(3);

        assertThat(sw.stop(WAIT)).as(sw.transcript()).isZero();
        String out = sw.out();
        assertThat(out).as(sw.transcript()).contains("switch: stopping (signal)", "4 hosts accepted", "0 turned away", "0 disconnected, 1 cut off",
                "PORT", "RX_FRAMES", "bad_length 1", "hosts that lost their port:",
                "unix#3 on port 2: bad length prefix: length 0 (must be 1..65535)",
                "address table: 3 learned"); // 02:..:01, 02:..:02 and the probe's 02:..:63
        assertThat(out.lines().filter(l -> l.matches("\\d+ +unix#\\d.*"))).as("a row per port; port 2 had two hosts")
                .hasSize(3);
        assertThat(sw.err()).isEmpty();
        assertThat(socket).as("the socket file is removed").doesNotExist();
    }

    @Test
    void aUdpSwitchProcessReportsItsPortAndPrintsJson() throws Exception {
        CliProcess sw = start("switch", "switch", "--listen", "udp:0", "--json");
        // With --json the start-up lines, and the port udp:0 got, are on stderr.
        String line = sw.awaitErrLine(l -> l.startsWith("switch: listening on udp:127.0.0.1:"), START);
        String address = line.substring("switch: listening on ".length());
        assertThat(Integer.parseInt(address.substring(address.lastIndexOf(':') + 1))).isPositive();

        RawClient a = client(address);
        RawClient b = client(address);
        a.send("ns4j-hello".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(a.receive(WAIT), StandardCharsets.US_ASCII)).isEqualTo("ns4j-hello");
        b.send(frame(BROADCAST, 2, 1, 60)); // a frame claims a port too (QEMU says no hello)
        assertThat(seqOf(a.receive(WAIT))).isEqualTo(1);
        a.send(frame(0x0200_0000_0002L, 1, 2, 1000));
        byte[] got = b.receive(WAIT);
        assertThat(got).hasSize(1000);
        assertThat(seqOf(got)).isEqualTo(2);

        assertThat(sw.stop(WAIT)).as(sw.transcript()).isZero();
        String json = sw.out();
        assertThat(json).as("stdout is one JSON object and nothing else").startsWith("{").endsWith("}")
                .doesNotContain("\n");
        Map<String, Object> m = MiniJsonParser.parseObject(json);
        assertThat(sw.err()).contains("Ctrl-C to stop");
        assertThat(m).containsEntry("addresses", List.of(address)).containsEntry("stopped_by", "signal");
        @SuppressWarnings("unchecked")
        Map<String, Object> counters = (Map<String, Object>) m.get("counters");
        assertThat(((Number) counters.get("accepted")).longValue()).isEqualTo(2);
        assertThat(((Number) counters.get("udp_peers")).longValue()).isEqualTo(2);
        assertThat((List<?>) m.get("ports")).hasSize(2);
    }

    @Test
    void aSecondSwitchOnTheSameSocketIsRefusedAndTheFirstGoesOn() throws Exception {
        Path socket = dir.resolve("sw.sock");
        CliProcess first = start("first", "switch", "--listen", "unix:" + socket);
        first.awaitLine(l -> l.contains("Ctrl-C to stop"), START);
        MainTest.Run second = MainTest.run("switch", "--listen", "unix:" + socket);
        assertThat(second.exit()).isEqualTo(1);
        assertThat(second.err().strip()).isEqualTo("netstack4j switch: cannot listen on unix:" + socket
                + ": a switch is already listening there");
        assertThat(first.isAlive()).isTrue();
        RawClient a = client("unix:" + socket);
        RawClient b = client("unix:" + socket);
        awaitPorts(a, b);
        a.send(frame(BROADCAST, 1, 1, 60));
        assertThat(seqOf(b.receive(WAIT))).isEqualTo(1);
        assertThat(first.stop(WAIT)).isZero();
    }

    @Test
    void withADurationTheSwitchStopsByItself() throws Exception {
        Path socket = dir.resolve("d.sock");
        MainTest.Run r = MainTest.run("switch", "--listen", "unix:" + socket, "--duration", "1", "--ports", "4");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("switch: listening on unix:" + socket, "4 ports", "stopping (--duration elapsed)",
                "(no host connected)");
        assertThat(Files.exists(socket)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"switch", "switch --listen tcp:1", "switch --listen udp:10.0.2.2:5000", "switch --listen unix:",
            "switch --listen udp:70000", "switch --listen udp:0 --ports 0", "switch --listen udp:0 --ports 2000",
            "switch --listen udp:0 --max-frame 13", "switch --listen udp:0 --queue 100 --max-frame 1000",
            "switch --listen udp:0 --udp-idle 0", "switch --listen udp:0 --bogus"})
    void badArgumentsExit2WithOneLine(String args) {
        MainTest.Run r = MainTest.run(args.split(" "));
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).hasSize(1).first().asString().startsWith("netstack4j switch: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"up --tap t0 --switch unix:/tmp/x.sock", "up --switch tcp:1", "up --switch udp:0",
            "up --switch udp:10.0.0.1:5000", "up --switch", "demo --switch unix:/tmp/x.sock",
            "demo --switch unix:/tmp/x.sock --peer 10.0.3.2", "demo --switch unix:/tmp/x.sock --peer 10.0.2.2 --seed 3"})
    void badSwitchOptionsOfUpAndDemoExit2WithOneLine(String args) {
        MainTest.Run r = MainTest.run(args.split(" "));
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().toList()).hasSize(1).first().asString().startsWith("netstack4j " + args.split(" ")[0] + ": ");
    }

    @Test
    void withJsonStdoutIsOneObjectAndTheStartUpLinesAreOnStderr() throws Exception {
        Path socket = dir.resolve("j.sock");
        MainTest.Run sw = MainTest.run("switch", "--listen", "unix:" + socket, "--listen", "udp:0", "--duration", "1", "--json");
        assertThat(sw.exit()).as(sw.err()).isZero();
        assertThat(sw.out().strip()).as("stdout is one JSON object and nothing else").startsWith("{").endsWith("}")
                .doesNotContain("\n");
        Map<String, Object> m = MiniJsonParser.parseObject(sw.out());
        assertThat(m).containsEntry("stopped_by", "time");
        assertThat(sw.err()).contains("switch: listening on unix:" + socket, "switch: listening on udp:127.0.0.1:",
                "Ctrl-C to stop");
        MainTest.assertSnakeCaseKeys(m, "");

        try (org.netstack4j.hw.link.SwitchServer server = org.netstack4j.hw.link.SwitchServer.start(
                org.netstack4j.hw.link.SwitchAddress.parse("unix:" + socket))) {
            MainTest.Run up = MainTest.run("up", "--switch", "unix:" + socket, "--ip", "10.0.2.2/24", "--duration", "1",
                    "--json");
            assertThat(up.exit()).as(up.err()).isZero();
            assertThat(up.out().strip()).as("stdout is one JSON object and nothing else").startsWith("{").endsWith("}")
                    .doesNotContain("\n");
            Map<String, Object> u = MiniJsonParser.parseObject(up.out());
            assertThat(u).containsEntry("stopped_by", "time").containsEntry("pools_full", true);
            assertThat(up.err()).contains("up: 10.0.2.2/24", "Ctrl-C to stop");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void upWithFaultsDropsWhatItIsToldAndSaysSo() throws Exception {
        Path socket = dir.resolve("f.sock");
        try (org.netstack4j.hw.link.SwitchServer server = org.netstack4j.hw.link.SwitchServer.start(
                org.netstack4j.hw.link.SwitchAddress.parse("unix:" + socket))) {
            MainTest.Run up = MainTest.run("up", "--switch", "unix:" + socket, "--ip", "10.0.2.2/24", "--faults", "drop=1",
                    "--duration", "1", "--json");
            assertThat(up.exit()).as(up.err()).isZero();
            Map<String, Object> u = MiniJsonParser.parseObject(up.out());
            java.util.List<Map<String, Object>> faults = (java.util.List<Map<String, Object>>) u.get("faults");
            assertThat(faults).extracting(f -> f.get("direction")).containsExactly("out", "in");
            Map<String, Object> out = faults.getFirst();
            assertThat(((Number) out.get("sent")).longValue()).as("the host announced itself").isPositive();
            assertThat(out.get("dropped")).as("and every frame was dropped").isEqualTo(out.get("sent"));
            assertThat(u).containsEntry("pools_full", true);
        }
    }

    @Test
    void upWithNoSwitchThereSaysSoInOneLine() {
        Path missing = dir.resolve("none.sock");
        MainTest.Run r = MainTest.run("up", "--switch", "unix:" + missing, "--ip", "10.0.2.2/24");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("netstack4j up: no switch at unix:" + missing
                + ": no such socket file (start one with: netstack4j switch --listen unix:" + missing + ")");
        MainTest.Run d = MainTest.run("demo", "--switch", "unix:" + missing, "--peer", "10.0.2.2",
                "--capture", dir.resolve("d.pcap").toString());
        assertThat(d.exit()).isEqualTo(1);
        assertThat(d.err().strip()).startsWith("netstack4j demo: no switch at unix:" + missing + ": no such socket file");
    }

    @Test
    void aSocketInAMissingDirectoryIsAOneLineFailure() {
        MainTest.Run r = MainTest.run("switch", "--listen", "unix:" + dir.resolve("no/such/sw.sock"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().lines().toList()).hasSize(1).first().asString()
                .startsWith("netstack4j switch: cannot listen on unix:" + dir.resolve("no/such/sw.sock"));
    }
}
