package org.netstack4j.hw.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.netstack4j.hw.link.Frames.BROADCAST;
import static org.netstack4j.hw.link.Frames.mac;
import static org.netstack4j.hw.link.SwitchServerTest.awaitTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.netstack4j.lab.Closer;

/** The host side of the switch medium: a card's link to a switch in another process. */
@Timeout(20)
class SwitchLinkTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final Closer open = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        open.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        return open.add(c);
    }

    private static void blockingReadFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("EOF");
            }
        }
    }

    @Test
    void whatTheCardSendsLeavesAsALengthPrefixAndTheFrameAndTheReverseArrives() throws Exception {
        // The test is the switch here: a bare Unix server that reads and writes the raw bytes.
        Path path = dir.resolve("raw.sock");
        ServerSocketChannel server = keep(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
        server.bind(UnixDomainSocketAddress.of(path));
        SwitchLink link = keep(SwitchLink.open(SwitchAddress.unix(path)));
        SocketChannel peer = keep(server.accept());
        RecordingConnector card = new RecordingConnector("card");
        link.connect(card);
        assertThat(card.attached()).isTrue();

        byte[] f = Frames.numbered(BROADCAST, mac(1), 1, 98);
        card.transmit(f);
        ByteBuffer raw = ByteBuffer.allocate(4 + 98);
        blockingReadFully(peer, raw);
        assertThat(raw.array()).startsWith(0, 0, 0, 98);
        assertThat(Arrays.copyOfRange(raw.array(), 4, raw.capacity())).isEqualTo(f);

        byte[] g = Frames.numbered(mac(1), mac(2), 2, 1514);
        byte[] h = Frames.numbered(mac(1), mac(2), 3, 60);
        ByteBuffer out = ByteBuffer.allocate(8 + 1514 + 60).putInt(1514).put(g).putInt(60).put(h).flip();
        while (out.hasRemaining()) {
            peer.write(out);
        }
        awaitTrue(() -> card.received().size() == 2, "two frames at the card");
        assertThat(card.received().get(0)).isEqualTo(g);
        assertThat(card.received().get(1)).isEqualTo(h);
        assertThat(link.counters()).containsEntry("tx_frames", 1L).containsEntry("tx_bytes", 98L) // frame bytes, not the 4-byte prefix
                .containsEntry("rx_frames", 2L).containsEntry("rx_bytes", 1574L);

        // A bad prefix from the far end: the link goes down, with a one-line reason.
        peer.write(ByteBuffer.allocate(4).putInt(0).flip());
        awaitTrue(() -> !link.isConnected(), "link down");
        assertThat(card.attached()).isFalse();
        assertThat(link.lastError()).contains("bad length prefix (0)");
    }

    @Test
    void twoCardsTalkThroughASwitchInOrderOverAStream() throws Exception {
        SwitchServer s = keep(SwitchServer.start(SwitchAddress.unix(dir.resolve("sw.sock"))));
        RecordingConnector a = new RecordingConnector("a");
        RecordingConnector b = new RecordingConnector("b");
        keep(SwitchLink.open(s.addresses().getFirst())).connect(a);
        keep(SwitchLink.open(s.addresses().getFirst())).connect(b);
        awaitTrue(() -> s.connectedPorts() == 2, "two ports");

        for (int seq = 0; seq < 2000; seq++) {
            a.transmit(Frames.numbered(seq == 0 ? BROADCAST : mac(2), mac(1), seq, 60 + seq % 1455));
            if (seq % 100 == 99) { // at most 100 frames (150 KB) in flight: below every queue's bound
                int sent = seq + 1;
                awaitTrue(() -> b.count() == sent, sent + " frames at b");
            }
        }
        awaitTrue(() -> b.received().size() == 2000, "2000 frames at b");
        assertThat(b.received()).extracting(Frames::sequenceOf).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 2000).boxed().toList());
        b.transmit(Frames.numbered(mac(1), mac(2), 9, 60));
        awaitTrue(() -> a.count() == 1, "the answer at a");
    }

    @Test
    void twoCardsTalkThroughASwitchOverUdp() throws Exception {
        SwitchServer s = keep(SwitchServer.start(SwitchAddress.udp(0)));
        RecordingConnector a = new RecordingConnector("a");
        RecordingConnector b = new RecordingConnector("b");
        SwitchLink la = keep(SwitchLink.open(s.addresses().getFirst()));
        la.connect(a);
        keep(SwitchLink.open(s.addresses().getFirst())).connect(b);
        assertThat(s.connectedPorts()).as("a hello claims a port before any frame").isEqualTo(2);
        assertThat(la.counters()).containsEntry("hellos_sent", 1L).containsEntry("hellos_answered", 1L);

        byte[] f = Frames.numbered(BROADCAST, mac(1), 1, 1514);
        a.transmit(f);
        awaitTrue(() -> b.received().size() == 1, "broadcast at b");
        assertThat(b.received().getFirst()).isEqualTo(f);
        b.transmit(Frames.numbered(mac(1), mac(2), 2, 60));
        awaitTrue(() -> a.count() == 1, "unicast at a");
    }

    @Test
    void noSwitchThereIsAOneLineError() throws Exception {
        SwitchAddress missing = SwitchAddress.unix(dir.resolve("none.sock"));
        assertThatThrownBy(() -> SwitchLink.open(missing)).isInstanceOf(IOException.class)
                .hasMessage("no switch at " + missing + ": no such socket file (start one with: netstack4j switch --listen "
                        + missing + ")");

        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(stale));
        }
        assertThatThrownBy(() -> SwitchLink.open(SwitchAddress.unix(stale)))
                .hasMessageStartingWith("no switch at unix:" + stale + ": nothing is listening on the socket (connection refused)");

        int freePort;
        try (DatagramChannel probe = DatagramChannel.open(StandardProtocolFamily.INET)) {
            probe.bind(new InetSocketAddress(SwitchAddress.LOOPBACK, 0));
            freePort = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        assertThatThrownBy(() -> SwitchLink.open(SwitchAddress.udp(freePort)))
                .hasMessageStartingWith("no switch at udp:127.0.0.1:" + freePort + ": nothing is listening on the port")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

        // Something on the port that does not answer hellos (not a switch).
        try (DatagramChannel mute = DatagramChannel.open(StandardProtocolFamily.INET)) {
            mute.bind(new InetSocketAddress(SwitchAddress.LOOPBACK, 0));
            int port = ((InetSocketAddress) mute.getLocalAddress()).getPort();
            assertThatThrownBy(() -> SwitchLink.open(SwitchAddress.udp(port)))
                    .hasMessage("no switch at udp:127.0.0.1:" + port + ": no answer to hello within 1500 ms "
                            + "(something else on the port, or a switch with no free port)");
        }
    }

    @Test
    void aFullUdpSwitchDoesNotAnswerANewHostsHello() throws Exception {
        SwitchServer s = keep(SwitchServer.start(List.of(SwitchAddress.udp(0)), SwitchServer.Options.DEFAULT.withMaxPorts(1)));
        keep(SwitchLink.open(s.addresses().getFirst()));
        assertThatThrownBy(() -> SwitchLink.open(s.addresses().getFirst()))
                .hasMessageEndingWith("(something else on the port, or a switch with no free port)");
        assertThat(s.counters().get("refused_full")).isEqualTo(3); // three hellos
    }

    @Test
    void aStreamLinkGoesDownWhenTheSwitchStops() throws Exception {
        SwitchServer s = keep(SwitchServer.start(SwitchAddress.unix(dir.resolve("sw.sock"))));
        RecordingConnector card = new RecordingConnector("card");
        SwitchLink link = keep(SwitchLink.open(s.addresses().getFirst()));
        link.connect(card);
        awaitTrue(() -> s.connectedPorts() == 1, "port");

        s.close();

        awaitTrue(() -> !link.isConnected(), "link down");
        assertThat(card.attached()).as("the card sees its link go down").isFalse();
        assertThat(link.lastError()).isEqualTo("the other end closed the connection (a switch that stopped or had no free port, or a QEMU that exited)");
        card.transmit(Frames.numbered(BROADCAST, mac(1), 1, 60)); // detached: goes nowhere
        link.close();
    }

    @Test
    void aUdpLinkCarriesOnWhenTheSwitchComesBackOnItsPort() throws Exception {
        SwitchServer first = SwitchServer.start(SwitchAddress.udp(0));
        SwitchAddress address = first.addresses().getFirst();
        RecordingConnector card = new RecordingConnector("card");
        SwitchLink link = keep(SwitchLink.open(address));
        link.connect(card);
        first.close();

        card.transmit(Frames.numbered(BROADCAST, mac(1), 1, 60)); // into the void: port unreachable follows
        awaitTrue(() -> link.counters().get("rx_errors") + link.counters().get("tx_errors") > 0, "an error counted");
        assertThat(link.isConnected()).isTrue();

        SwitchServer second = keep(SwitchServer.start(List.of(address), SwitchServer.Options.DEFAULT));
        RawSwitchClient other = keep(RawSwitchClient.connect(address));
        other.hello(WAIT);
        card.transmit(Frames.numbered(BROADCAST, mac(1), 2, 60)); // a frame claims a port again
        byte[] got = other.receive(WAIT);
        assertThat(got).isNotNull();
        assertThat(Frames.sequenceOf(got)).isEqualTo(2);
        assertThat(second.connectedPorts()).isEqualTo(2);
    }

    @Test
    void closeUnplugsTheCardAndLateFramesAreCountedNotSent() throws Exception {
        SwitchServer s = keep(SwitchServer.start(SwitchAddress.unix(dir.resolve("sw.sock"))));
        RecordingConnector card = new RecordingConnector("card");
        SwitchLink link = SwitchLink.open(s.addresses().getFirst());
        link.connect(card);
        Link stale = card.output();
        awaitTrue(() -> s.connectedPorts() == 1, "port");

        link.close();
        link.close(); // idempotent

        assertThat(card.attached()).isFalse();
        stale.send(java.lang.foreign.MemorySegment.ofArray(Frames.numbered(BROADCAST, mac(1), 1, 60)), 0, 60);
        assertThat(link.counters()).containsEntry("tx_after_close", 1L).containsEntry("tx_frames", 0L);
        awaitTrue(() -> s.connectedPorts() == 0, "the switch sees the host go");
        assertThat(s.counters()).containsEntry("closed_eof", 1L);
        assertThatThrownBy(() -> link.connect(new RecordingConnector("again"))).isInstanceOf(IllegalStateException.class);
    }
}
