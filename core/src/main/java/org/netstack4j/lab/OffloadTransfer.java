package org.netstack4j.lab;

import org.netstack4j.driver.DriverConfig;
import org.netstack4j.driver.Offloads;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.CostModel;
import org.netstack4j.exec.Simulation;
import org.netstack4j.hw.link.FaultInjector;
import org.netstack4j.stack.Counter;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.stack.StackCounters;
import org.netstack4j.stack.TcpLayer;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One TCP bulk transfer between two simulated hosts whose cards offload what each side is told
 * (checksums, TSO), on a plain cable or through a {@link FaultInjector} each way: what the
 * offloads change — transmit descriptors, CPU time as the hosts' {@link CostModel} prices it —
 * and proof that they change nothing else: every byte read is checked against what was written.
 */
public final class OffloadTransfer {
    private static final int PORT = 9;
    /** A transfer that has not finished after this much simulated time has failed. */
    private static final long LIMIT_NANOS = 600_000_000_000L;

    /**
     * What a transfer did. Descriptors and segmentation requests are the sender's driver's; CPU
     * time is what each host's cost model charged (simulated); checksum errors are the
     * receiver's: frames its card marked bad, and frames its stack dropped for a bad checksum.
     */
    public record Outcome(long bytes, boolean byteExact, long txDescriptors, long txContextDescriptors,
                          long segmentationRequests, long senderCpuNanos, long receiverCpuNanos, double seconds,
                          long retransmitted, long lost, long corrupted, long cardChecksumErrors,
                          long stackChecksumErrors, boolean poolsFull) {
        /** The sender's transmit descriptors per MB moved. */
        public double descriptorsPerMb() {
            return txDescriptors / (bytes / 1048576.0);
        }

        /** Both hosts' CPU time per KB moved (simulated, as the cost model prices the work). */
        public double cpuNanosPerKb() {
            return (senderCpuNanos + receiverCpuNanos) / (bytes / 1024.0);
        }
    }

    private OffloadTransfer() {
    }

    /**
     * Moves {@code bytes} from a sender whose card offloads {@code senderOffloads} to a receiver
     * whose card offloads {@code receiverOffloads} (NAPI both), through {@code faults} each way
     * if not null, with both CPUs priced by {@code costs}.
     */
    public static Outcome run(long seed, long bytes, Offloads senderOffloads, Offloads receiverOffloads,
                              FaultInjector.Rates faults, CostModel costs) throws Exception {
        Network net = Network.simulated(seed);
        List<FaultInjector> injectors = new ArrayList<>();
        Outcome partial;
        try {
            HostConfig config = HostConfig.builder().arpTimes(60_000_000_000L, 1_000_000_000L, 10, 1_000_000_000L)
                    .seed(seed).build();
            DriverConfig napi = DriverConfig.of(WakeMode.NAPI);
            Network.Node a = net.addHost("sender", MacAddress.parse("02:00:00:00:00:01"), UdpPair.CLIENT_ADDRESS + "/24",
                    napi.withOffloads(senderOffloads), napi.rxRingSize(), config);
            Network.Node b = net.addHost("receiver", MacAddress.parse("02:00:00:00:00:02"), UdpPair.SERVER_ADDRESS + "/24",
                    napi.withOffloads(receiverOffloads), napi.rxRingSize(), config.withSeed(seed + 1));
            if (faults == null) {
                net.cable(a, b);
            } else {
                net.cable(a, b, link -> {
                    FaultInjector f = new FaultInjector(link, net.timeline(), faults, seed * 31 + injectors.size());
                    injectors.add(f);
                    return f;
                });
            }
            a.machine().cpu().setCosts(costs);
            b.machine().cpu().setCosts(costs);
            net.start();
            partial = transfer(net, a, b, bytes);
        } finally {
            net.close();
            for (FaultInjector f : injectors) {
                f.close();
            }
        }
        long lost = 0;
        long corrupted = 0;
        for (FaultInjector f : injectors) {
            lost += f.counters().dropped();
            corrupted += f.counters().corrupted();
        }
        boolean full = net.poolsFull() && injectors.stream().allMatch(f -> f.pool().isFull());
        return new Outcome(partial.bytes(), partial.byteExact(), partial.txDescriptors(), partial.txContextDescriptors(),
                partial.segmentationRequests(), partial.senderCpuNanos(), partial.receiverCpuNanos(), partial.seconds(),
                partial.retransmitted(), lost, corrupted, partial.cardChecksumErrors(), partial.stackChecksumErrors(),
                full);
    }

    private static Outcome transfer(Network net, Network.Node a, Network.Node b, long bytes) throws IOException {
        Simulation sim = net.simulation();
        TcpLayer sender = a.host().tcp();
        TcpLayer receiver = b.host().tcp();
        sim.runFor(10_000_000L); // the gratuitous ARPs
        long senderCpu0 = a.machine().cpu().chargedNanos();
        long receiverCpu0 = b.machine().cpu().chargedNanos();
        Map<String, Long> before = a.nic(0).deviceCounters();
        SimulatedTransfer.Result moved = SimulatedTransfer.run(sim, sender, receiver,
                Ipv4Address.parseBits(UdpPair.SERVER_ADDRESS), PORT, bytes, LIMIT_NANOS);
        long senderCpu = a.machine().cpu().chargedNanos() - senderCpu0;
        long receiverCpu = b.machine().cpu().chargedNanos() - receiverCpu0;
        Map<String, Long> after = a.nic(0).deviceCounters();
        sender.closeNow(moved.sent());
        receiver.closeNow(moved.received());
        sim.runFor(2_000_000_000L);
        StackCounters rc = b.host().counters();
        return new Outcome(moved.bytes(), moved.exact(), after.get("tx_descriptors") - before.get("tx_descriptors"),
                after.get("tx_context_descriptors") - before.get("tx_context_descriptors"),
                after.get("tx_tso_requests") - before.get("tx_tso_requests"), senderCpu, receiverCpu, moved.seconds(),
                a.host().counters().get(Counter.TCP_RETRANS_SEGS), 0, 0,
                b.nic(0).deviceCounters().get("rx_csum_offload_errors"),
                rc.get(Counter.TCP_IN_CSUM_ERRORS) + rc.get(Counter.IP_IN_CSUM_ERRORS), false);
    }
}
