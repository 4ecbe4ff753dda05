package org.netstack4j.stack;

import org.netstack4j.driver.NetDevice;

/** A card whose link carries less than Ethernet's 1500 bytes (a tunnel, PPPoE): the E1000 with a smaller MTU. */
final class SmallMtuDevice extends DelegatingDevice {
    private final int mtu;

    SmallMtuDevice(NetDevice card, int mtu) {
        super(card);
        this.mtu = mtu;
    }

    @Override
    public int mtu() {
        return mtu;
    }
}
