package org.netstack4j.stack;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.driver.FrameSink;
import org.netstack4j.driver.NetDevice;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Job;
import org.netstack4j.wire.MacAddress;

import java.util.Map;

/** A real card's driver with one behaviour changed by a subclass: a smaller MTU, a ring that says "full". */
abstract class DelegatingDevice implements NetDevice {
    final NetDevice card;

    DelegatingDevice(NetDevice card) {
        this.card = card;
    }

    @Override
    public String name() {
        return card.name();
    }

    @Override
    public MacAddress mac() {
        return card.mac();
    }

    @Override
    public int mtu() {
        return card.mtu();
    }

    @Override
    public WakeMode mode() {
        return card.mode();
    }

    @Override
    public void bringUp(FrameSink sink) {
        card.bringUp(sink);
    }

    @Override
    public void tearDown() {
        card.tearDown();
    }

    @Override
    public boolean queue(PacketBuffer frame) {
        return card.queue(frame);
    }

    @Override
    public void flush() {
        card.flush();
    }

    @Override
    public void setTransmitWaiter(Job waiter) {
        card.setTransmitWaiter(waiter);
    }

    @Override
    public Map<String, Long> counterMap() {
        return card.counterMap();
    }
}
