package org.netstack4j.stack;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.driver.E1000Driver;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Job;
import org.netstack4j.hw.e1000.E1000;
import org.netstack4j.hw.e1000.E1000Registers;
import org.netstack4j.lab.Machine;
import org.netstack4j.lab.Network;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * A bare machine on the wire in front of a host under test: its E1000 driver is driven directly,
 * so a test can put any frame on the wire and see every frame the host sends (it receives
 * promiscuously). It answers ARP requests for its own address unless told not to, and sends at
 * most {@link #BATCH} frames per run of its CPU so that a flood does not outrun the receiving
 * card's ring in simulated time.
 */
final class Prober {
    /** A frame the prober received, with the network's clock when it arrived. */
    record Seen(long nanos, Packets.View frame) {
    }

    static final int BATCH = 16;

    final long mac;
    final int ip;
    private final Network net;
    private final Machine machine;
    private final E1000Driver driver;
    private final ConcurrentLinkedQueue<byte[]> outbox = new ConcurrentLinkedQueue<>();
    private final List<Seen> seen = new ArrayList<>();
    private final Job sender;
    private volatile boolean answerArp = true;
    private volatile long sent;

    private Prober(Network net, Machine machine, long mac, int ip) {
        this.net = net;
        this.machine = machine;
        this.driver = machine.nics().get(0).driver();
        this.mac = mac;
        this.ip = ip;
        this.sender = machine.cpu().newJob("prober-send", this::sendSome);
        driver.bringUp(this::received);
        driver.setTransmitWaiter(sender);
        // A sniffer: take every frame the host sends, whoever it is addressed to.
        E1000 card = machine.nics().get(0).card();
        card.write(E1000Registers.RCTL, card.read(E1000Registers.RCTL) | E1000Registers.RCTL_UPE);
    }

    /** A prober at {@code address}, cabled to interface {@code nic} of {@code host}. Call before {@link Network#start}. */
    static Prober attach(Network net, String name, String mac, String address, Network.Node host, int nic) {
        MacAddress m = MacAddress.parse(mac);
        Machine machine = net.addMachine(name, m, WakeMode.INTERRUPT);
        Prober p = new Prober(net, machine, m.bits(), Ipv4Address.parseBits(address));
        net.cable(host, nic, machine);
        return p;
    }

    void answerArp(boolean on) {
        answerArp = on;
    }

    /** Queues frames for the wire (any thread); they go out when the prober's CPU next runs. */
    void send(byte[]... frames) {
        for (byte[] f : frames) {
            if (f.length < 14 || f.length > E1000Driver.MAX_FRAME) {
                throw new IllegalArgumentException("a frame of " + f.length + " bytes does not fit Ethernet");
            }
            outbox.add(f);
        }
        sender.schedule();
    }

    /** Sends an IPv4 datagram to {@code dstMac}. */
    void sendIp(long dstMac, byte[] datagram) {
        send(Packets.ethernet(dstMac, mac, Packets.IPV4, datagram));
    }

    /** Frames the prober's own card had no room for (read after the network is closed). */
    long missedByCard() {
        return driver.counters().rxMissed() + driver.counters().rxPoolEmpty();
    }

    long framesSent() {
        return sent;
    }

    boolean idle() {
        return outbox.isEmpty();
    }

    // ==== What was seen ==================================================================

    synchronized List<Seen> seen() {
        return List.copyOf(seen);
    }

    synchronized List<Seen> seen(Predicate<Packets.View> which) {
        return seen.stream().filter(s -> which.test(s.frame())).toList();
    }

    List<Packets.View> frames(Predicate<Packets.View> which) {
        return seen(which).stream().map(Seen::frame).toList();
    }

    synchronized void forget() {
        seen.clear();
    }

    /** Forgets every frame seen but those {@code keep} selects (floods: memory stays flat). */
    synchronized void forgetExcept(Predicate<Packets.View> keep) {
        seen.removeIf(s -> !keep.test(s.frame()));
    }

    /** ARP requests asking for {@code target}, gratuitous ones excluded. */
    List<Seen> arpRequestsFor(int target) {
        return seen(v -> v.isArp() && v.arpOp() == 1 && v.arpTargetIp() == target && v.arpSenderIp() != target);
    }

    // ==== On the prober's CPU ============================================================

    private void received(PacketBuffer frame) {
        Packets.View v = new Packets.View(frame.toByteArray());
        frame.release();
        synchronized (this) {
            seen.add(new Seen(net.timeline().nanos(), v));
        }
        if (answerArp && v.isArp() && v.arpOp() == 1 && v.arpTargetIp() == ip && v.arpSenderIp() != ip) {
            send(Packets.ethernet(v.arpSenderMac(), mac, Packets.ARP,
                    Packets.arp(2, mac, ip, v.arpSenderMac(), v.arpSenderIp())));
        }
    }

    private Job.Result sendSome() {
        int n = 0;
        byte[] f;
        while (n < BATCH && (f = outbox.peek()) != null) {
            PacketBuffer b = machine.txPool().take();
            if (b == null) {
                driver.reclaimTransmitted();
                b = machine.txPool().take();
                if (b == null) {
                    break;
                }
            }
            b.append(f.length);
            b.copyFrom(f, 0, 0, f.length);
            if (!driver.queue(b)) {
                b.release(); // ring full: the driver schedules us again when it has room
                driver.flush();
                return Job.Result.DONE;
            }
            outbox.poll();
            sent++;
            n++;
        }
        driver.flush();
        return outbox.isEmpty() ? Job.Result.DONE : Job.Result.MORE;
    }
}
