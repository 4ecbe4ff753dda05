package org.netstack4j.driver;

import org.netstack4j.hw.RegisterWindow;
import java.util.function.UnaryOperator;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.exec.Simulation;
import org.netstack4j.lab.Machine;
import org.netstack4j.lab.Nic;
import org.netstack4j.wire.MacAddress;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Test bench: two machines in simulated time, one card each, on a direct cable; b keeps what it receives. */
final class TwoCards implements AutoCloseable {
    static final MacAddress MAC_A = MacAddress.parse("02:00:00:00:00:0a");
    static final MacAddress MAC_B = MacAddress.parse("02:00:00:00:00:0b");

    final Simulation sim = new Simulation();
    final Machine a;
    final Machine b;
    final Nic nicA;
    final Nic nicB;
    final List<byte[]> receivedByA = new ArrayList<>();
    final List<byte[]> receivedByB = new ArrayList<>();
    /** When true, b holds on to received buffers instead of releasing them (a slow consumer). */
    final List<PacketBuffer> heldByB = new ArrayList<>();
    boolean bHolds;

    TwoCards(DriverConfig configA, DriverConfig configB, int spareRx) {
        this(configA, configB, spareRx, UnaryOperator.identity(), UnaryOperator.identity());
    }

    /** With {@code windowA} and {@code windowB} between each driver and its card's registers. */
    TwoCards(DriverConfig configA, DriverConfig configB, int spareRx, UnaryOperator<RegisterWindow> windowA,
             UnaryOperator<RegisterWindow> windowB) {
        a = new Machine("a", sim);
        b = new Machine("b", sim);
        nicA = a.addNic("eth0", MAC_A, configA, spareRx, windowA);
        nicB = b.addNic("eth0", MAC_B, configB, spareRx, windowB);
        sim.add(a.cpu());
        sim.add(b.cpu());
    }

    TwoCards(DriverConfig config) {
        this(config, config, config.rxRingSize());
    }

    void up() {
        nicA.driver().bringUp(frame -> {
            receivedByA.add(frame.toByteArray());
            frame.release();
        });
        nicB.driver().bringUp(frame -> {
            receivedByB.add(frame.toByteArray());
            if (bHolds) {
                heldByB.add(frame);
            } else {
                frame.release();
            }
        });
        nicA.card().attach(nicB.card().input());
        nicB.card().attach(nicA.card().input());
    }

    /** A frame from a to b with {@code tag} in its payload, in a buffer from a's transmit pool. */
    PacketBuffer frameFromA(int size, int tag) {
        PacketBuffer f = a.txPool().take();
        f.append(size);
        f.setU16(0, (int) (MAC_B.bits() >>> 32));
        f.setInt(2, (int) MAC_B.bits());
        f.setU16(6, (int) (MAC_A.bits() >>> 32));
        f.setInt(8, (int) MAC_A.bits());
        f.setU16(12, 0x88B5);
        f.setInt(14, tag);
        return f;
    }

    static int tagOf(byte[] frame) {
        return ((frame[14] & 0xFF) << 24) | ((frame[15] & 0xFF) << 16) | ((frame[16] & 0xFF) << 8) | (frame[17] & 0xFF);
    }

    void run() {
        sim.runFor(1_000_000);
    }

    void releaseHeld() {
        heldByB.forEach(PacketBuffer::release);
        heldByB.clear();
    }

    @Override
    public void close() {
        releaseHeld();
        a.close();
        b.close();
        assertThat(a.poolsFull()).as("every buffer of a back in its pool after close").isTrue();
        assertThat(b.poolsFull()).as("every buffer of b back in its pool after close").isTrue();
    }
}
