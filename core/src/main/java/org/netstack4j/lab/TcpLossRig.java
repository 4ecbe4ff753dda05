package org.netstack4j.lab;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Simulation;
import org.netstack4j.hw.link.Bottleneck;
import org.netstack4j.hw.link.FaultInjector;
import org.netstack4j.stack.Counter;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.stack.TcpLayer;
import org.netstack4j.stack.tcp.CongestionControl;
import org.netstack4j.stack.tcp.TcpConfig;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * How a TCP configuration recovers from loss: one transfer between two simulated hosts over a
 * link of finite rate, delay and queue ({@link Bottleneck}) that also loses (and may reorder)
 * frames at random in both directions ({@link FaultInjector}), timed in simulated time. What
 * it measures is the protocol's — seconds to move the bytes, retransmission timeouts, segments
 * sent again — not this machine's speed; the same seed gives the same figures.
 */
public final class TcpLossRig {
    /** The link: 100 Mbit/s, 5 ms each way, a queue of one bandwidth-delay product. */
    public static final long RATE_BITS = 100_000_000L;
    public static final long DELAY_NANOS = 5_000_000L;
    public static final int QUEUE_BYTES = 125_000;
    private static final int PORT = 9;
    /** A transfer that has not finished after this much simulated time has failed. */
    private static final long LIMIT_NANOS = 3_600_000_000_000L;

    /** The ways of recovering from loss compared: each a TCP configuration. */
    public enum Recovery {
        /** The default: SACK with RACK loss detection and tail loss probes, D-SACK undo, CUBIC. */
        SACK_RACK_CUBIC("SACK + RACK, CUBIC", TcpConfig.DEFAULT),
        /** The same recovery under NewReno's window. */
        SACK_RACK_NEWRENO("SACK + RACK, NewReno",
                TcpConfig.DEFAULT.toBuilder().congestionControl(CongestionControl.Kind.NEW_RENO).build()),
        /** RFC 6582 alone: duplicate ACKs and partial ACKs, one hole per round trip, no SACK. */
        NEWRENO_NO_SACK("NewReno, no SACK", TcpConfig.DEFAULT.toBuilder().options(true, true, false)
                .congestionControl(CongestionControl.Kind.NEW_RENO).build());

        private final String label;
        private final TcpConfig tcp;

        Recovery(String label, TcpConfig tcp) {
            this.label = label;
            this.tcp = tcp;
        }

        public String label() {
            return label;
        }

        public TcpConfig tcp() {
            return tcp;
        }

        /** snake_case, for JSON keys. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * What one transfer took: simulated seconds, timeouts and retransmitted segments (the
     * sender's), frames the link lost, and whether every buffer came back once it was all closed.
     */
    public record Outcome(long bytes, double seconds, long timeouts, long retransmitted, long lost, boolean poolsFull) {
        public double mbitPerSecond() {
            return bytes * 8 / seconds / 1e6;
        }
    }

    private TcpLossRig() {
    }

    /**
     * Moves {@code bytes} from one host to the other with {@code tcp}, through a link that drops
     * {@code loss} of the frames each way and delays {@code reorder} of them by 2 ms past the
     * ones behind.
     */
    public static Outcome transfer(long seed, long bytes, double loss, double reorder, TcpConfig tcp) throws Exception {
        Network net = Network.simulated(seed);
        List<FaultInjector> injectors = new ArrayList<>();
        List<Bottleneck> links = new ArrayList<>();
        double seconds;
        long timeouts;
        long retransmitted;
        long lost = 0;
        try {
            // Patient ARP: at 20 % loss each way three unanswered requests in a row are common.
            HostConfig config = HostConfig.builder().tcp(tcp).arpTimes(60_000_000_000L, 1_000_000_000L, 10,
                    1_000_000_000L).seed(seed).build();
            Network.Node a = net.addHost("sender", MacAddress.parse("02:00:00:00:00:01"), UdpPair.CLIENT_ADDRESS + "/24",
                    WakeMode.NAPI, config);
            Network.Node b = net.addHost("receiver", MacAddress.parse("02:00:00:00:00:02"), UdpPair.SERVER_ADDRESS + "/24",
                    WakeMode.NAPI, config.withSeed(seed + 1));
            FaultInjector.Rates rates = FaultInjector.Rates.NONE.withDrop(loss).withReorder(reorder, 2_000_000L);
            net.cable(a, b, link -> {
                Bottleneck bn = new Bottleneck(link, net.timeline(), RATE_BITS, DELAY_NANOS, QUEUE_BYTES, 512, 2048);
                links.add(bn);
                FaultInjector f = new FaultInjector(bn, net.timeline(), rates, seed * 31 + injectors.size());
                injectors.add(f);
                return f;
            });
            net.start();
            Simulation sim = net.simulation();
            TcpLayer sender = a.host().tcp();
            TcpLayer receiver = b.host().tcp();
            SimulatedTransfer.Result moved = SimulatedTransfer.run(sim, sender, receiver,
                    Ipv4Address.parseBits(UdpPair.SERVER_ADDRESS), PORT, bytes, LIMIT_NANOS);
            if (!moved.exact()) {
                throw new IOException("the bytes received are not the bytes sent");
            }
            seconds = moved.seconds();
            timeouts = a.host().counters().get(Counter.TCP_TIMEOUTS);
            retransmitted = a.host().counters().get(Counter.TCP_RETRANS_SEGS);
            for (FaultInjector f : injectors) {
                lost += f.counters().dropped();
            }
        } finally {
            net.close();
            for (FaultInjector f : injectors) {
                f.close();
            }
            for (Bottleneck bn : links) {
                bn.close();
            }
        }
        boolean full = net.poolsFull() && injectors.stream().allMatch(f -> f.pool().isFull())
                && links.stream().allMatch(bn -> bn.pool().isFull());
        return new Outcome(bytes, seconds, timeouts, retransmitted, lost, full);
    }
}
