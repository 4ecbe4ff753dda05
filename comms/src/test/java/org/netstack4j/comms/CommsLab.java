package org.netstack4j.comms;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.MacAddress;

/** A client host (10.0.2.15) and a server host (10.0.2.2) on one cable, in simulated time from a seed. */
public final class CommsLab implements AutoCloseable {
    static final String SERVER = "10.0.2.2";
    public final Network net;
    final Host client;
    final Host server;
    final Transport clientSide;
    final Transport serverSide;

    public CommsLab(long seed) {
        net = Network.simulated(seed);
        Network.Node c = net.addHost("client", MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        Network.Node s = net.addHost("server", MacAddress.parse("52:55:0a:00:02:02"), SERVER + "/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        net.cable(c, s);
        net.start();
        client = c.host();
        server = s.host();
        clientSide = new NetstackTransport(client);
        serverSide = new NetstackTransport(server);
    }

    public RequestServer serve(Handler handler, ServerConfig config) throws Exception {
        return net.run("serve", () -> RequestServer.start(serverSide, 7000, handler, config));
    }

    public RequestClient client(ClientConfig config) {
        return new RequestClient(clientSide, SERVER, 7000, config);
    }

    public long nanos() {
        return net.simulation().nanos();
    }

    /** Closes the network and says whether every buffer and stream chunk came back. */
    public boolean closeAndCheckPools() throws Exception {
        net.close();
        return net.poolsFull();
    }

    @Override
    public void close() throws Exception {
        net.close();
    }
}
