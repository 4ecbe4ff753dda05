package org.netstack4j.nio;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.nio.conformance.Endpoints;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.MacAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.Callable;

/**
 * Two netstack4j hosts on a cable, a provider each: the server side at 10.0.2.2, the client side
 * at 10.0.2.15; in simulated time (the test body and its threads are the simulation's) or on
 * real threads. Closing checks that every buffer came back.
 */
public final class NetstackEndpoints implements Endpoints {
    public final Network net;
    public final Host serverHost;
    public final Host clientHost;
    private final SelectorProvider server;
    private final SelectorProvider client;

    public NetstackEndpoints(boolean simulated, long seed) {
        net = simulated ? Network.simulated(seed) : Network.real(seed);
        Network.Node c = net.addHost("client", MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        Network.Node s = net.addHost("server", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        net.cable(c, s);
        net.start();
        serverHost = s.host();
        clientHost = c.host();
        server = new NetstackSelectorProvider(serverHost);
        client = new NetstackSelectorProvider(clientHost);
    }

    @Override
    public SelectorProvider server() {
        return server;
    }

    @Override
    public SelectorProvider client() {
        return client;
    }

    private static InetAddress address(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Override
    public InetAddress serverAddress() {
        return address("10.0.2.2");
    }

    @Override
    public InetAddress clientAddress() {
        return address("10.0.2.15");
    }

    @Override
    public int closedPort() {
        return 9;
    }

    @Override
    public <T> T run(Callable<T> body) throws Exception {
        return net.run("test", body);
    }

    @Override
    public Thread start(String name, Runnable body) {
        return net.startApplication(name, body);
    }

    @Override
    public void close() throws Exception {
        net.close();
        if (!net.poolsFull()) {
            throw new AssertionError("a packet buffer or stream chunk did not come back");
        }
    }
}
