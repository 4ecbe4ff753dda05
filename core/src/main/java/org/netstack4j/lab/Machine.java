package org.netstack4j.lab;

import org.netstack4j.buffer.BufferPool;
import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.driver.DriverConfig;
import org.netstack4j.driver.E1000Driver;
import org.netstack4j.exec.Cpu;
import org.netstack4j.exec.Irq;
import org.netstack4j.exec.Timeline;
import org.netstack4j.hw.RegisterWindow;
import org.netstack4j.hw.e1000.E1000;
import org.netstack4j.wire.MacAddress;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A computer on the bench: one CPU, its DMA memory, a transmit pool, and E1000 cards, each wired
 * to its own IRQ line and driven by an {@link E1000Driver} with a receive pool of its own (so one
 * card's traffic cannot starve another's ring, as in RTnet).
 */
public final class Machine implements AutoCloseable {
    /** Headroom kept in front of a transmit buffer's packet for the headers of lower layers. */
    public static final int TX_HEADROOM = 128;

    private final String name;
    private final Timeline timeline;
    private final Cpu cpu;
    private final DmaMemory dma;
    private final BufferPool txPool;
    private final List<Nic> nics = new ArrayList<>();

    /**
     * @param txBuffers    buffers in the machine's transmit pool
     * @param dmaBytes     size of the machine's DMA memory
     * @param txBufferSize bytes of each transmit buffer: 2 KB for frames of the standard MTU, 16 KB for jumbo frames
     */
    public Machine(String name, Timeline timeline, int txBuffers, long dmaBytes, int txBufferSize) {
        this.name = name;
        this.timeline = timeline;
        this.cpu = new Cpu(name);
        this.dma = new DmaMemory(dmaBytes);
        this.txPool = new BufferPool(name + "-tx", dma, txBuffers, txBufferSize, TX_HEADROOM);
    }

    public Machine(String name, Timeline timeline, int txBuffers, long dmaBytes) {
        this(name, timeline, txBuffers, dmaBytes, E1000Driver.RX_BUFFER_SIZE);
    }

    public Machine(String name, Timeline timeline) {
        this(name, timeline, 1024, 16L << 20);
    }

    /** Installs a card with its driver (not yet brought up); the receive pool holds the ring plus {@code spareRxBuffers}. */
    public Nic addNic(String ifName, MacAddress mac, DriverConfig config, int spareRxBuffers) {
        return addNic(ifName, mac, config, spareRxBuffers, UnaryOperator.identity());
    }

    /**
     * As {@link #addNic(String, MacAddress, DriverConfig, int)}, with {@code window} between the
     * driver and the card's registers, as a logic analyser on the bus would sit: tests use it to
     * watch the driver's register traffic or to make the card say what real hardware rarely does.
     */
    public Nic addNic(String ifName, MacAddress mac, DriverConfig config, int spareRxBuffers,
                      UnaryOperator<RegisterWindow> window) {
        String id = name + "-" + ifName;
        E1000 card = new E1000(id, dma, timeline, mac);
        Irq irq = cpu.newIrq(id);
        card.connectInterrupt(irq);
        BufferPool rxPool = new BufferPool(id + "-rx", dma, config.rxRingSize() + spareRxBuffers,
                config.rxBufferSize(), 0);
        E1000Driver driver = new E1000Driver(id, window.apply(card), dma, cpu, irq, timeline, rxPool, config);
        Nic nic = new Nic(ifName, card, irq, driver, rxPool);
        nics.add(nic);
        return nic;
    }

    public Nic addNic(String ifName, MacAddress mac, DriverConfig config) {
        return addNic(ifName, mac, config, config.rxRingSize());
    }

    public String name() {
        return name;
    }

    public Cpu cpu() {
        return cpu;
    }

    public DmaMemory dma() {
        return dma;
    }

    public BufferPool txPool() {
        return txPool;
    }

    public List<Nic> nics() {
        return List.copyOf(nics);
    }

    /** True if every pool of this machine holds all its buffers. */
    public boolean poolsFull() {
        if (!txPool.isFull()) {
            return false;
        }
        for (Nic nic : nics) {
            if (!nic.rxPool().isFull()) {
                return false;
            }
        }
        return true;
    }

    /** Tears every interface down and frees the cards and memory. The CPU must have stopped. */
    @Override
    public void close() {
        for (Nic nic : nics) {
            nic.driver().tearDown();
            nic.card().close();
        }
        dma.close();
    }

    @Override
    public String toString() {
        return "Machine[" + name + "]";
    }
}
