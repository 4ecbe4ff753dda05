package org.netstack4j.stack;

import org.netstack4j.wire.Ipv4Address;

/**
 * One routing table entry: datagrams for {@code network/prefix} leave through {@code via}, to
 * {@code gateway} (0: the destination is on the link itself).
 */
public record Route(int network, int prefix, int gateway, NetInterface via) {

    public Route {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix must be 0..32: " + prefix);
        }
        network &= Ipv4Address.mask(prefix);
    }

    boolean matches(int destination) {
        return (destination & Ipv4Address.mask(prefix)) == network;
    }

    /** Where the frame goes on the link: the gateway, or the destination itself. */
    int nextHop(int destination) {
        return gateway != 0 ? gateway : destination;
    }

    @Override
    public String toString() {
        return Ipv4Address.format(network) + "/" + prefix
                + (gateway != 0 ? " via " + Ipv4Address.format(gateway) : "") + " dev " + via.name();
    }
}
