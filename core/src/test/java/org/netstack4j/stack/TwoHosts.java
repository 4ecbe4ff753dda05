package org.netstack4j.stack;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.wire.MacAddress;

/**
 * Two hosts on one cable, as QEMU's user network pairs a guest and its gateway: the first at
 * 10.0.2.15/24 (52:54:00:12:34:56), the second at 10.0.2.2/24 (52:55:0a:00:02:02), both with
 * {@link HostConfig#DEFAULT}. What a test does with them is its own.
 */
final class TwoHosts {

    private TwoHosts() {
    }

    /** Adds the pair to {@code net} (which has no nodes yet: they become nodes 0 and 1), cables them and starts it. */
    static Network start(Network net, String first, WakeMode firstMode, String second, WakeMode secondMode) {
        Network.Node a = net.addHost(first, MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", firstMode,
                HostConfig.DEFAULT);
        Network.Node b = net.addHost(second, MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", secondMode,
                HostConfig.DEFAULT);
        net.cable(a, b);
        net.start();
        return net;
    }
}
