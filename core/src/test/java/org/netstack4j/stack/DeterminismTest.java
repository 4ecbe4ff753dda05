package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.lab.ServerLoop;
import org.netstack4j.socket.Ping;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Simulated time: the same seed gives the same packets, byte for byte; another seed, other packets. */
class DeterminismTest {
    static final int SERVER = Ipv4Address.parseBits("10.0.2.2");

    private record Run(byte[] pcap, long frames) {
    }

    /** ARP, a UDP exchange from an ephemeral port, a fragmented datagram and pings, captured. */
    private static Run scenario(long seed, Path pcap) throws Exception {
        Network net = Network.simulated(seed);
        net.capture(pcap);
        TwoHosts.start(net, "client", WakeMode.INTERRUPT, "server", WakeMode.NAPI);
        Network.Node client = net.nodes().get(0);
        Network.Node server = net.nodes().get(1);
        UdpSocket echo = net.run("bind", () -> UdpSocket.bind(server.host(), 7));
        byte[] serverBuf = new byte[10_000];
        net.startApplication("echo", ServerLoop.untilClosed(() -> {
            int n = echo.receive(serverBuf);
            echo.sendTo(serverBuf, 0, n, echo.sourceAddress(), echo.sourcePort());
        }));
        net.run("client", () -> {
            try (UdpSocket s = UdpSocket.open(client.host()); Ping p = Ping.open(client.host(), 3000)) {
                s.setTimeout(Duration.ofSeconds(1));
                s.connect(SERVER, 7);
                byte[] buf = new byte[10_000];
                for (int i = 0; i < 5; i++) {
                    s.send(Packets.pattern(100 + 1000 * i, i));
                    s.receive(buf);
                }
                for (int i = 0; i < 3; i++) {
                    assertThat(p.ping(SERVER, i, 2000, Duration.ofSeconds(1))).isNotNull();
                }
            }
            echo.close();
            return null;
        });
        net.idle(100_000_000L);
        long frames = net.captureWriter().counters().frames();
        net.close();
        assertThat(net.poolsFull()).isTrue();
        return new Run(Files.readAllBytes(pcap), frames);
    }

    @Test
    void sameSeedSameCaptureOtherSeedOtherCapture(@TempDir Path dir) throws Exception {
        Run first = scenario(21, dir.resolve("first.pcap"));
        Run again = scenario(21, dir.resolve("again.pcap"));
        Run other = scenario(22, dir.resolve("other.pcap"));
        assertThat(first.frames()).isGreaterThan(20);
        assertThat(again.frames()).isEqualTo(first.frames());
        assertThat(Arrays.mismatch(again.pcap(), first.pcap())).as("first differing byte").isEqualTo(-1);
        // The same conversation (as many frames, as many bytes) with other ports, identifiers and IDs.
        assertThat(other.frames()).isEqualTo(first.frames());
        assertThat(other.pcap()).hasSameSizeAs(first.pcap());
        assertThat(Arrays.equals(other.pcap(), first.pcap())).isFalse();
    }
}
