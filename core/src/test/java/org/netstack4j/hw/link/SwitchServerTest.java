package org.netstack4j.hw.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.netstack4j.hw.link.Frames.BROADCAST;
import static org.netstack4j.hw.link.Frames.mac;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.netstack4j.lab.Closer;
import org.netstack4j.wire.MacAddress;

/** The switch between processes, driven by raw clients that write QEMU's framing by hand. */
@Timeout(20)
class SwitchServerTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration QUIET = Duration.ofMillis(200);

    @TempDir
    Path dir;

    private final Closer open = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        open.close();
    }

    private SwitchServer start(SwitchAddress address, SwitchServer.Options options) throws IOException {
        SwitchServer s = SwitchServer.start(List.of(address), options);
        open.add(s);
        return s;
    }

    private SwitchServer startUnix(SwitchServer.Options options) throws IOException {
        return start(SwitchAddress.unix(dir.resolve("sw.sock")), options);
    }

    private SwitchServer startUdp(SwitchServer.Options options) throws IOException {
        return start(SwitchAddress.udp(0), options);
    }

    /** Connects {@code n} raw clients and waits until the switch has given each a port. */
    private RawSwitchClient[] clients(SwitchServer s, int n) throws Exception {
        RawSwitchClient[] c = new RawSwitchClient[n];
        int before = s.connectedPorts();
        for (int i = 0; i < n; i++) {
            c[i] = RawSwitchClient.connect(s.addresses().getFirst());
            open.add(c[i]);
            if (s.addresses().getFirst().kind() == SwitchAddress.Kind.UDP) {
                c[i].hello(WAIT);
            }
        }
        awaitTrue(() -> s.connectedPorts() == before + n, "ports connected");
        return c;
    }

    static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }

    private static long counter(SwitchServer s, int port, String name) {
        Long v = s.port(port).counters().get(name);
        assertThat(v).as(name).isNotNull();
        return v;
    }

    private static long total(SwitchServer s, String name) {
        return s.counters().get(name);
    }

    // ==== The stream framing =====================================================================

    @Test
    void aFrameOnTheStreamIsExactlyABigEndianLengthAndTheFrame() throws Exception {
        SwitchServer s = startUnix(SwitchServer.Options.DEFAULT);
        RawSwitchClient[] c = clients(s, 2);

        byte[] small = Frames.numbered(BROADCAST, mac(1), 7, 60);
        c[0].send(small);
        byte[] raw = c[1].readExactly(4 + 60, System.nanoTime() + WAIT.toNanos());
        assertThat(raw).startsWith(0, 0, 0, 60);
        assertThat(java.util.Arrays.copyOfRange(raw, 4, raw.length)).isEqualTo(small);
        assertThat(c[1].receive(QUIET)).as("nothing but the frame").isNull();

        byte[] large = Frames.numbered(mac(1), mac(2), 8, 1514); // mac(1) is learned: unicast to port 0
        c[1].send(large);
        raw = c[0].readExactly(4 + 1514, System.nanoTime() + WAIT.toNanos());
        assertThat(raw).startsWith(0, 0, 0x05, (byte) 0xEA);
        assertThat(java.util.Arrays.copyOfRange(raw, 4, raw.length)).isEqualTo(large);

        byte[] jumbo = Frames.numbered(mac(2), mac(1), 9, 65_535); // the largest the framing carries
        c[0].send(jumbo);
        raw = c[1].readExactly(4 + 65_535, System.nanoTime() + WAIT.toNanos());
        assertThat(raw).startsWith(0, 0, (byte) 0xFF, (byte) 0xFF);
        assertThat(java.util.Arrays.copyOfRange(raw, 4, raw.length)).isEqualTo(jumbo);
        assertThat(c[0].receive(QUIET)).isNull();
        assertThat(c[1].receive(QUIET)).isNull();
        // Bytes are Ethernet frame bytes both ways, as ip -s link counts them: what one port
        // received is what the other sent, without the 4-byte prefixes.
        assertThat(counter(s, 0, "rx_bytes")).isEqualTo(60 + 65_535);
        assertThat(counter(s, 1, "tx_bytes")).isEqualTo(60 + 65_535);
        assertThat(counter(s, 1, "rx_bytes")).isEqualTo(1514);
        assertThat(counter(s, 0, "tx_bytes")).isEqualTo(1514);
    }

    @Test
    void framesSplitOverManyWritesOrJoinedInOneAreCutAtTheirPrefixes() throws Exception {
        SwitchServer s = startUnix(SwitchServer.Options.DEFAULT);
        RawSwitchClient[] c = clients(s, 2);

        // Three frames in one write.
        ByteBuffer joined = ByteBuffer.allocate(3 * (4 + 100));
        for (int seq = 1; seq <= 3; seq++) {
            joined.putInt(100).put(Frames.numbered(BROADCAST, mac(1), seq, 100));
        }
        c[0].writeRaw(joined.array());
        // One frame a byte or two at a time, the prefix split too.
        byte[] f = Frames.numbered(BROADCAST, mac(1), 4, 300);
        byte[] framed = ByteBuffer.allocate(4 + 300).putInt(300).put(f).array();
        int[] cuts = {0, 3, 153, framed.length}; // the first piece ends inside the prefix
        for (int i = 0; i + 1 < cuts.length; i++) {
            c[0].writeRaw(java.util.Arrays.copyOfRange(framed, cuts[i], cuts[i + 1]));
            Thread.sleep(20);
        }

        for (int seq = 1; seq <= 4; seq++) {
            byte[] got = c[1].receive(WAIT);
            assertThat(got).isNotNull();
            assertThat(Frames.sequenceOf(got)).isEqualTo(seq);
        }
        assertThat(c[1].receive(QUIET)).isNull();
        assertThat(counter(s, 0, "rx_frames")).isEqualTo(4);
        assertThat(counter(s, 0, "switch_flooded")).isEqualTo(4);
    }

    // ==== A bad host costs one port ==============================================================

    @ParameterizedTest
    @ValueSource(longs = {0, 65_536, 0xFFFF_FFFFL, 0x8000_0000L})
    void aBadLengthPrefixCostsThatPortAndTheOthersGoOn(long prefix) throws Exception {
        SwitchServer s = startUnix(SwitchServer.Options.DEFAULT);
        RawSwitchClient[] c = clients(s, 3);
        c[0].send(Frames.numbered(BROADCAST, mac(1), 1, 60)); // learned on port 0
        c[1].receive(WAIT);
        c[2].receive(WAIT);

        c[0].writeRaw(ByteBuffer.allocate(4 + 60).putInt((int) prefix).array());

        assertThat(c[0].closedBySwitch(WAIT)).as("the bad host is cut off").isTrue();
        awaitTrue(() -> s.connectedPorts() == 2, "port 0 closed");
        assertThat(counter(s, 0, "closed_bad_length")).isEqualTo(1);
        assertThat(s.port(0).lastClose()).contains("bad length prefix", "length " + prefix);
        assertThat(s.ethernetSwitch().lookup(new MacAddress(mac(1)))).as("its addresses are forgotten").isEqualTo(-1);
        assertThat(c[1].receive(QUIET)).as("none of its bytes were forwarded").isNull();

        c[1].send(Frames.numbered(mac(3), mac(2), 2, 60));
        c[2].send(Frames.numbered(mac(2), mac(3), 3, 60));
        assertThat(Frames.sequenceOf(c[2].receive(WAIT))).isEqualTo(2);
        assertThat(Frames.sequenceOf(c[1].receive(WAIT))).isEqualTo(3);

        RawSwitchClient[] again = clients(s, 1); // the freed port serves the next host
        c[1].send(Frames.numbered(BROADCAST, mac(2), 4, 60));
        assertThat(Frames.sequenceOf(again[0].receive(WAIT))).isEqualTo(4);
        assertThat(s.isRunning()).isTrue();
        assertThat(total(s, "closed_bad_length")).isEqualTo(1);
        assertThat(s.departures()).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(SwitchServer.CloseReason.BAD_LENGTH);
            assertThat(d.toString()).isEqualTo("unix#1 on port 0: bad length prefix: length " + prefix + " (must be 1..65535)");
        });
    }

    @Test
    void aFrameCutShortByTheEndOfTheStreamCostsThePort() throws Exception {
        SwitchServer s = startUnix(SwitchServer.Options.DEFAULT);
        RawSwitchClient[] c = clients(s, 2);
        byte[] f = Frames.numbered(BROADCAST, mac(1), 1, 100);
        c[0].writeRaw(ByteBuffer.allocate(4 + 50).putInt(100).put(f, 0, 50).array());
        c[0].close();

        awaitTrue(() -> s.connectedPorts() == 1, "port 0 closed");
        assertThat(counter(s, 0, "closed_truncated")).isEqualTo(1);
        assertThat(s.port(0).lastClose()).contains("truncated", "54 bytes");
        assertThat(c[1].receive(QUIET)).isNull();
        assertThat(counter(s, 0, "rx_frames")).isZero();
    }

    @Test
    void aHostThatGoesAwayFreesItsPortAndItsAddresses() throws Exception {
        SwitchServer s = startUnix(SwitchServer.Options.DEFAULT);
        RawSwitchClient[] c = clients(s, 2);
        c[0].send(Frames.numbered(BROADCAST, mac(1), 1, 60));
        assertThat(c[1].receive(WAIT)).isNotNull();
        assertThat(s.ethernetSwitch().lookup(new MacAddress(mac(1)))).isZero();

        c[0].close();

        awaitTrue(() -> s.connectedPorts() == 1, "port 0 closed");
        assertThat(counter(s, 0, "closed_eof")).isEqualTo(1);
        assertThat(s.port(0).connected()).isFalse();
        assertThat(s.port(0).peer()).isEqualTo("unix#1");
        assertThat(s.ethernetSwitch().lookup(new MacAddress(mac(1)))).isEqualTo(-1);
        c[1].send(Frames.numbered(mac(1), mac(2), 2, 60)); // to the departed host: flooded to no one
        awaitTrue(() -> counter(s, 1, "rx_frames") == 1, "frame received");
        assertThat(s.isRunning()).isTrue();
    }

    @Test
    void aSlowReaderLosesFramesAndNeverHoldsUpTheSwitch() throws Exception {
        SwitchServer s = startUnix(SwitchServer.Options.DEFAULT.withQueueBytes(70_000));
        RawSwitchClient[] c = clients(s, 3);
        RawSwitchClient sender = c[0];
        RawSwitchClient slow = c[1]; // never reads
        RawSwitchClient target = c[2];
        target.send(Frames.numbered(BROADCAST, mac(3), 0, 60)); // learned on port 2
        sender.receive(WAIT);
        slow.receive(WAIT); // (the only read the slow host ever makes)

        // Broadcasts: the reader takes each before the next is sent; the slow host never reads.
        int frames = 3000;
        int got = 0;
        for (int seq = 1; seq <= frames; seq++) {
            sender.send(Frames.numbered(BROADCAST, mac(1), seq, 1000));
            byte[] r = target.receive(WAIT);
            assertThat(r).as("frame %d reaches the reader", seq).isNotNull();
            assertThat(Frames.sequenceOf(r)).isEqualTo(seq);
            got++;
        }
        assertThat(got).isEqualTo(frames);

        long drops = counter(s, 1, "tx_queue_drops");
        assertThat(drops).as("the slow host lost frames").isPositive();
        assertThat(counter(s, 1, "tx_queued") + drops).isEqualTo(frames + 1); // and the first broadcast
        assertThat(counter(s, 2, "tx_queue_drops")).isZero();
        assertThat(s.port(1).connected()).as("a slow host keeps its port").isTrue();
        assertThat(s.isRunning()).isTrue();
    }

    @Test
    void whenEveryPortIsTakenANewHostIsTurnedAway() throws Exception {
        SwitchServer s = startUnix(SwitchServer.Options.DEFAULT.withMaxPorts(2));
        RawSwitchClient[] c = clients(s, 2);
        RawSwitchClient third = RawSwitchClient.connect(s.addresses().getFirst());
        open.add(third);

        assertThat(third.closedBySwitch(WAIT)).isTrue();
        assertThat(total(s, "refused_full")).isEqualTo(1);
        c[0].send(Frames.numbered(BROADCAST, mac(1), 1, 60));
        assertThat(Frames.sequenceOf(c[1].receive(WAIT))).isEqualTo(1);

        c[0].close();
        awaitTrue(() -> s.connectedPorts() == 1, "a port freed");
        RawSwitchClient[] fourth = clients(s, 1);
        c[1].send(Frames.numbered(BROADCAST, mac(2), 2, 60));
        assertThat(Frames.sequenceOf(fourth[0].receive(WAIT))).isEqualTo(2);
    }

    @Test
    void runtsAreCountedAndDroppedByTheSwitchNotTheConnection() throws Exception {
        SwitchServer s = startUnix(SwitchServer.Options.DEFAULT);
        RawSwitchClient[] c = clients(s, 2);
        c[0].send(new byte[] {1, 2, 3});
        c[0].send(Frames.numbered(BROADCAST, mac(1), 1, 60));
        assertThat(Frames.sequenceOf(c[1].receive(WAIT))).isEqualTo(1);
        assertThat(counter(s, 0, "switch_runts")).isEqualTo(1);
        assertThat(s.port(0).connected()).isTrue();
    }

    @Test
    void aFrameLongerThanTheSwitchsMaximumCostsThePort() throws Exception {
        SwitchServer s = startUnix(SwitchServer.Options.DEFAULT.withMaxFrame(1518));
        RawSwitchClient[] c = clients(s, 2);
        c[0].send(Frames.numbered(BROADCAST, mac(1), 1, 1519));
        assertThat(c[0].closedBySwitch(WAIT)).isTrue();
        assertThat(counter(s, 0, "closed_bad_length")).isEqualTo(1);
        assertThat(c[1].receive(QUIET)).isNull();
    }

    // ==== UDP ====================================================================================

    @Test
    void overUdpEachDatagramIsOneFrameAndTheSwitchLearns() throws Exception {
        SwitchServer s = startUdp(SwitchServer.Options.DEFAULT);
        assertThat(s.addresses().getFirst().port()).isPositive();
        assertThat(s.addresses().getFirst().toString()).startsWith("udp:127.0.0.1:");
        RawSwitchClient[] c = clients(s, 3);

        byte[] f = Frames.numbered(BROADCAST, mac(1), 1, 60);
        c[0].send(f);
        assertThat(c[1].receive(WAIT)).isEqualTo(f);
        assertThat(c[2].receive(WAIT)).isEqualTo(f);
        byte[] g = Frames.numbered(mac(1), mac(2), 2, 1514);
        c[1].send(g);
        assertThat(c[0].receive(WAIT)).isEqualTo(g);
        assertThat(c[2].receive(QUIET)).as("unicast to a learned address goes to its port only").isNull();
        assertThat(total(s, "udp_peers")).isEqualTo(3);
        assertThat(counter(s, 0, "hellos")).isEqualTo(1);
        assertThat(s.port(0).peer()).isEqualTo("udp:127.0.0.1:" + c[0].localPort());
    }

    @Test
    void aUdpHostThatSaidHelloAndFellSilentLosesItsPort() throws Exception {
        SwitchServer s = startUdp(SwitchServer.Options.DEFAULT.withUdpIdleNanos(500_000_000L));
        RawSwitchClient[] c = clients(s, 2);
        c[1].send(Frames.numbered(BROADCAST, mac(2), 1, 60)); // a frame, no more hellos
        awaitTrue(() -> s.connectedPorts() == 0, "both silent ports closed");
        assertThat(total(s, "closed_silent")).isEqualTo(2);
        c[0].send(Frames.numbered(BROADCAST, mac(1), 2, 60)); // back: a port again
        awaitTrue(() -> s.connectedPorts() == 1, "port again");
    }

    @Test
    void aFullUdpSwitchGivesASilentPortToANewPeer() throws Exception {
        // An idle time long enough that b's first frame, sent right after a's, cannot come
        // after it however slowly this machine schedules the switch's thread.
        long idle = 2_000_000_000L;
        SwitchServer s = startUdp(SwitchServer.Options.DEFAULT.withMaxPorts(1).withUdpIdleNanos(idle));
        RawSwitchClient a = RawSwitchClient.connect(s.addresses().getFirst());
        RawSwitchClient b = RawSwitchClient.connect(s.addresses().getFirst());
        open.add(a);
        open.add(b);
        a.send(Frames.numbered(BROADCAST, mac(1), 1, 60)); // a QEMU-like peer: frames, no hello
        long aLastSent = System.nanoTime();
        awaitTrue(() -> s.connectedPorts() == 1, "a has a port");
        b.send(Frames.numbered(BROADCAST, mac(2), 2, 60));
        awaitTrue(() -> total(s, "refused_full") == 1, "b refused while a is fresh");
        // Past the idle time since a last spoke (the switch heard it after it was sent): a is
        // now reclaimable, but is not swept, since it never said hello.
        long wait = aLastSent + idle + 200_000_000L - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000L + 1);
        }
        assertThat(s.connectedPorts()).as("a peer that never said hello is not swept").isEqualTo(1);
        b.send(Frames.numbered(BROADCAST, mac(2), 3, 60));
        awaitTrue(() -> total(s, "closed_reclaimed") == 1, "a's silent port reclaimed");
        assertThat(s.port(0).peer()).isEqualTo("udp:127.0.0.1:" + b.localPort());
    }

    // ==== Where the switch listens ===============================================================

    @Test
    void aStaleSocketFileIsReplacedButALiveSwitchOrAnotherFileIsNot() throws Exception {
        Path path = dir.resolve("stale.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(java.net.UnixDomainSocketAddress.of(path));
        }
        assertThat(path).exists();
        SwitchServer s = start(SwitchAddress.unix(path), SwitchServer.Options.DEFAULT);
        clients(s, 1);

        assertThatThrownBy(() -> start(SwitchAddress.unix(path), SwitchServer.Options.DEFAULT))
                .isInstanceOf(IOException.class)
                .hasMessage("cannot listen on unix:" + path + ": a switch is already listening there");
        assertThat(s.isRunning()).isTrue();

        Path file = Files.writeString(dir.resolve("notes.txt"), "keep me");
        assertThatThrownBy(() -> start(SwitchAddress.unix(file), SwitchServer.Options.DEFAULT))
                .hasMessage("cannot listen on unix:" + file + ": the file exists and is not a socket");
        assertThat(file).hasContent("keep me");

        assertThatThrownBy(() -> start(SwitchAddress.unix(dir.resolve("no/such/dir/sw.sock")), SwitchServer.Options.DEFAULT))
                .hasMessageStartingWith("cannot listen on unix:" + dir.resolve("no/such/dir/sw.sock") + ": ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

        s.close();
        assertThat(path).as("the socket file goes with the switch").doesNotExist();
    }

    @Test
    void aUdpPortInUseIsAOneLineError() throws Exception {
        SwitchServer s = startUdp(SwitchServer.Options.DEFAULT);
        SwitchAddress taken = s.addresses().getFirst();
        assertThatThrownBy(() -> start(taken, SwitchServer.Options.DEFAULT))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot listen on " + taken + ": ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void oneSwitchCanListenOnAUnixSocketAndUdpAtOnce() throws Exception {
        SwitchServer s = SwitchServer.start(List.of(SwitchAddress.unix(dir.resolve("both.sock")), SwitchAddress.udp(0)),
                SwitchServer.Options.DEFAULT);
        open.add(s);
        RawSwitchClient streamHost = RawSwitchClient.connect(s.addresses().get(0));
        RawSwitchClient udpHost = RawSwitchClient.connect(s.addresses().get(1));
        open.add(streamHost);
        open.add(udpHost);
        udpHost.hello(WAIT);
        awaitTrue(() -> s.connectedPorts() == 2, "two ports");
        byte[] f = Frames.numbered(BROADCAST, mac(1), 1, 200);
        streamHost.send(f);
        assertThat(udpHost.receive(WAIT)).isEqualTo(f);
        byte[] g = Frames.numbered(mac(1), mac(2), 2, 200);
        udpHost.send(g);
        assertThat(streamHost.receive(WAIT)).isEqualTo(g);
    }

    @Test
    void closingTheSwitchEndsEveryConnectionAndFreezesTheCounters() throws Exception {
        SwitchServer s = startUnix(SwitchServer.Options.DEFAULT);
        RawSwitchClient[] c = clients(s, 2);
        c[0].send(Frames.numbered(BROADCAST, mac(1), 1, 60));
        c[1].receive(WAIT);
        s.close();
        assertThat(c[0].closedBySwitch(WAIT)).isTrue();
        assertThat(c[1].closedBySwitch(WAIT)).isTrue();
        Map<String, Long> counters = s.counters();
        assertThat(counters).containsEntry("closed_shutdown", 2L).containsEntry("accepted", 2L)
                .containsEntry("ports_connected", 0L);
        assertThat(s.ports()).hasSize(2);
        assertThat(s.isRunning()).isFalse();
    }
}
