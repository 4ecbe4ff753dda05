package org.netstack4j.stack;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.Bottleneck;
import org.netstack4j.lab.Network;
import org.netstack4j.socket.TcpListener;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.stack.tcp.CongestionControl.Kind;
import org.netstack4j.stack.tcp.TcpConfig;
import org.netstack4j.stack.tcp.TcpConnection;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two bulk flows share one bottleneck and converge to a fair share, in simulated time: senders
 * {@code a} and {@code b} each on its own port of a router whose port to the receiver is a
 * 10 Mbit/s link with 10 ms of delay each way and a drop-tail queue of about one
 * bandwidth-delay product ({@link Bottleneck}). Flow b starts 5 s after flow a, so it has to win
 * its share from a flow that holds the whole link. Fairness is Jain's index over the second half
 * of the run, (x1 + x2)^2 / (2 (x1^2 + x2^2)): 1 for an even split, 0.5 when one flow has all.
 *
 * <p>At this bandwidth-delay product (some 18 segments) CUBIC runs in its Reno-friendly region,
 * where RFC 9438 has it grow as an estimate of Reno would, so CUBIC against NewReno is fair here
 * too, though CUBIC takes the larger part: its window falls only to 0.7 on a loss. (On a long fat
 * path the cubic curve would take over and CUBIC would take more, by design.) Each run prints the
 * rates, the index and the bottleneck's counters.
 */
class CongestionFairnessTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long RATE_BITS = 10_000_000L;
    private static final long DELAY = 10 * MS;
    private static final int QUEUE_BYTES = 32 * 1024;
    private static final long START_B = 5 * SECOND;
    private static final long RUN = 60 * SECOND;
    private static final int RECEIVER = Ipv4Address.parseBits("10.0.3.2");
    private static final int A = Ipv4Address.parseBits("10.0.1.2");

    /** One flow, seen from both ends. */
    private static final class Flow {
        final String name;
        final Kind kind;
        final AtomicLong received = new AtomicLong();
        volatile boolean stop;
        volatile boolean sinkDone;
        volatile TcpConnection.Info senderInfo;

        Flow(String name, Kind kind) {
            this.name = name;
            this.kind = kind;
        }
    }

    private static HostConfig with(Kind kind) {
        return HostConfig.builder().tcp(TcpConfig.DEFAULT.withCongestionControl(kind)).build();
    }

    private static void send(Network net, Host host, Flow flow) {
        net.startApplication("sender-" + flow.name, () -> {
            try (TcpSocket s = TcpSocket.connect(host, RECEIVER, 9, Duration.ofSeconds(10))) {
                s.setTimeout(Duration.ofMinutes(10));
                byte[] chunk = new byte[32 * 1024];
                while (!flow.stop) {
                    s.write(chunk);
                }
                flow.senderInfo = s.info();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    private static void sink(Network net, TcpListener l, Flow a, Flow b) {
        net.startApplication("sink", () -> {
            try (TcpSocket s = l.accept()) {
                Flow f = s.remoteAddress() == A ? a : b;
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = s.read(buf)) >= 0) {
                    f.received.addAndGet(n);
                }
                f.sinkDone = true;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    static double jain(double x1, double x2) {
        return (x1 + x2) * (x1 + x2) / (2 * (x1 * x1 + x2 * x2));
    }

    @ParameterizedTest(name = "{0} (first) and {1} (5 s later)")
    @CsvSource({"CUBIC, CUBIC", "CUBIC, NEW_RENO", "NEW_RENO, CUBIC"})
    void twoFlowsConvergeToAFairShareOfTheBottleneck(Kind first, Kind second) throws Exception {
        Flow a = new Flow("a", first);
        Flow b = new Flow("b", second);
        Network net = Network.simulated(11);
        Network.Node router = net.addHost("router", MacAddress.parse("52:54:00:00:03:01"), "10.0.3.1/24", WakeMode.NAPI,
                HostConfig.DEFAULT.withForwarding(true));
        net.addInterface(router, "eth1", MacAddress.parse("52:54:00:00:01:01"), "10.0.1.1/24", WakeMode.NAPI);
        net.addInterface(router, "eth2", MacAddress.parse("52:54:00:00:02:01"), "10.0.2.1/24", WakeMode.NAPI);
        Network.Node receiver = net.addHost("receiver", MacAddress.parse("52:54:00:00:03:02"), "10.0.3.2/24",
                WakeMode.NAPI, HostConfig.DEFAULT);
        Network.Node hostA = net.addHost("a", MacAddress.parse("52:54:00:00:01:02"), "10.0.1.2/24", WakeMode.NAPI,
                with(first));
        Network.Node hostB = net.addHost("b", MacAddress.parse("52:54:00:00:02:02"), "10.0.2.2/24", WakeMode.NAPI,
                with(second));
        receiver.host().setDefaultGateway(Ipv4Address.parseBits("10.0.3.1"));
        hostA.host().setDefaultGateway(Ipv4Address.parseBits("10.0.1.1"));
        hostB.host().setDefaultGateway(Ipv4Address.parseBits("10.0.2.1"));
        List<Bottleneck> links = new ArrayList<>(); // router -> receiver (the data), then back (the ACKs)
        net.cable(router, receiver, link -> {
            Bottleneck bn = new Bottleneck(link, net.timeline(), RATE_BITS, DELAY, QUEUE_BYTES, 256, 2048);
            links.add(bn);
            return bn;
        });
        net.cable(hostA, 0, router, 1);
        net.cable(hostB, 0, router, 2);
        net.start();

        TcpListener l = net.run("listen", () -> TcpListener.listen(receiver.host(), 9, 4));
        // One accept waits at a time: the layer keeps a single waiting acceptor per listener.
        sink(net, l, a, b);
        send(net, hostA.host(), a);
        net.idle(START_B);
        sink(net, l, a, b);
        send(net, hostB.host(), b);
        net.idle(RUN / 2 - START_B);
        long a0 = a.received.get();
        long b0 = b.received.get();
        net.idle(RUN / 2);
        double seconds = RUN / 2 / (double) SECOND;
        double rateA = (a.received.get() - a0) * 8 / seconds;
        double rateB = (b.received.get() - b0) * 8 / seconds;
        double index = jain(rateA, rateB);

        a.stop = true;
        b.stop = true;
        for (int i = 0; i < 60 && !(a.sinkDone && b.sinkDone); i++) {
            net.idle(SECOND);
        }
        net.idle(SECOND);
        Bottleneck.Counters data = links.get(0).counters();
        System.out.printf("fairness %s vs %s: a %.2f Mbit/s, b %.2f Mbit/s, Jain %.3f; a %s, b %s; bottleneck %s%n",
                first, second, rateA / 1e6, rateB / 1e6, index, brief(a.senderInfo), brief(b.senderInfo), data.toMap());
        assertThat(a.sinkDone && b.sinkDone).as("both flows ended").isTrue();
        assertThat(a.senderInfo.congestionControl()).isEqualTo(first);
        assertThat(b.senderInfo.congestionControl()).isEqualTo(second);
        assertThat(rateA + rateB).as("the link is used").isGreaterThan(0.85 * RATE_BITS);
        assertThat(data.droppedQueueFull()).as("the flows met congestion").isPositive();
        assertThat(data.droppedNoBuffer()).isZero();
        assertThat(index).as("Jain's fairness index, second half").isGreaterThanOrEqualTo(0.9);
        for (Network.Node n : List.of(hostA, hostB, receiver)) {
            assertThat(n.host().counters().get(Counter.TCP_CURR_ESTAB)).as("%s: nothing stuck", n.host().name()).isZero();
        }

        net.run("close", () -> {
            l.close();
            return null;
        });
        net.close();
        assertThat(net.poolsFull()).as("every buffer and chunk back").isTrue();
        for (Bottleneck bn : links) {
            bn.close();
            Bottleneck.Counters c = bn.counters();
            assertThat(c.delivered()).as("every frame accounted for: %s", c.toMap())
                    .isEqualTo(c.sent() - c.droppedQueueFull() - c.droppedNoBuffer());
            assertThat(bn.pool().isFull()).isTrue();
        }
    }

    private static String brief(TcpConnection.Info info) {
        return info == null ? "-" : "cwnd " + info.cwnd() + " ssthresh " + info.ssthresh() + " srtt "
                + info.srttNanos() / 1000 + " us retransmits " + info.retransmits();
    }
}
