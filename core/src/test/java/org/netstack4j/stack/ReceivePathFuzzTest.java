package org.netstack4j.stack;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.netstack4j.lab.LabServices;
import org.netstack4j.socket.UdpSocket;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.ProbedHost.MS;

/**
 * The whole receive path under a fuzzer: each input is a frame put on the wire to a host's E1000
 * model, taken in by the card's receive unit, the driver and the stack, up to bound sockets and
 * the lab's services (UDP 2000, DNS 53). After every input: nothing escaped (a failure on any
 * thread fails the run), and every frame the interface took is accounted for by a named cause.
 * Every 256 inputs, and at the end, the host must still answer ping, UDP 2000 and DNS; at the end
 * every buffer is back in its pool.
 */
class ReceivePathFuzzTest {
    private static ProbedHost h;
    private static LabServices services;
    private static long inputs;

    private static ProbedHost host() throws Exception {
        if (h == null) {
            h = ProbedHost.settled(HostConfig.DEFAULT);
            services = LabServices.start(h.net, h.host, 2000, Map.of("pdos.csail.mit.edu", List.of(0x80348182)));
        }
        return h;
    }

    @DictionaryEntries({"\\x08\\x00\\x45\\x00", "\\x08\\x06\\x00\\x01\\x08\\x00\\x06\\x04", "\\x0a\\x00\\x02\\x0f", "\\x0a\\x00\\x02\\x63", "\\x07\\xd0", "\\x00\\x35", "\\x40\\x11", "\\x40\\x01", "\\x20\\x00"})
    @FuzzTest(maxDuration = "30s")
    void framesThroughCardDriverStackAndServices(byte[] data) throws Exception {
        ProbedHost p = host();
        byte[] frame = Arrays.copyOf(data, Math.max(14, Math.min(1514, data.length)));
        if ((frame[0] & 1) == 0) {
            // Mostly to the host's own address, so the card's filter lets it in (odd first bytes
            // stay multicast or broadcast, which the card takes too, or not).
            long mac = p.hostMac;
            for (int i = 0; i < 6; i++) {
                frame[i] = (byte) (mac >>> (40 - 8 * i));
            }
        }
        p.prober.send(frame);
        p.idle(2 * MS);
        p.prober.forget();
        long in = p.count(Counter.ETH_IN_FRAMES);
        long accounted = p.count(Counter.ETH_TOO_SHORT) + p.count(Counter.ETH_NOT_FOR_US)
                + p.count(Counter.ETH_UNKNOWN_TYPE) + p.count(Counter.IP_IN_RECEIVES) + p.count(Counter.ARP_IN_PACKETS);
        assertThat(accounted).as("every frame the interface took has a place").isEqualTo(in);
        if (++inputs % 256 == 0) {
            stillServing(p);
        }
    }

    private static void stillServing(ProbedHost p) throws Exception {
        assertThat(p.pingAnswered(0x7e7e, (int) (inputs & 0xFFFF))).as("ping after %d inputs", inputs).isTrue();
        String answer = p.run(() -> {
            try (UdpSocket s = UdpSocket.open(p.host)) {
                s.setTimeout(Duration.ofMillis(200));
                s.connect(p.hostAddress, 2000);
                s.send("still there?".getBytes(StandardCharsets.US_ASCII));
                byte[] buf = new byte[64];
                return new String(buf, 0, s.receive(buf), StandardCharsets.US_ASCII);
            }
        });
        assertThat(answer).isEqualTo("this is the host!");
        assertThat(services.running()).containsExactly("udp/2000", "dns/53");
    }

    @AfterAll
    static void close() throws Exception {
        if (h == null) {
            return;
        }
        stillServing(h);
        h.run(() -> {
            services.close();
            return null;
        });
        h.close(); // asserts every buffer came back
        h = null;
    }
}
