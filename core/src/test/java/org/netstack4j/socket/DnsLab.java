package org.netstack4j.socket;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.DnsMessage;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The xv6 lab's network for DNS tests: "host" at 10.0.2.15 (the resolver) and "gateway" at
 * 10.0.2.2 (the server) on one cable. Servers started here are closed, and their threads
 * awaited, by {@link #close}, which then checks that every buffer went home.
 */
final class DnsLab implements AutoCloseable {
    static final int HOST = Ipv4Address.parseBits("10.0.2.15");
    static final int GATEWAY = Ipv4Address.parseBits("10.0.2.2");
    static final int PDOS = Ipv4Address.parseBits("128.52.129.126");
    static final int EVIL = Ipv4Address.parseBits("6.6.6.6");

    enum Mode { SIMULATED, REAL }

    final Network net;
    final Network.Node host;
    final Network.Node gateway;
    private final List<AutoCloseable> servers = new ArrayList<>();
    private final List<AtomicBoolean> serverThreadsDone = new ArrayList<>();
    private final List<Throwable> serverFailures = new CopyOnWriteArrayList<>();

    private DnsLab(Network net) {
        this.net = net;
        net.addHost("host", MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", WakeMode.NAPI, HostConfig.DEFAULT);
        net.addHost("gateway", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI, HostConfig.DEFAULT);
        net.cable(net.nodes().get(0), net.nodes().get(1));
        net.start();
        this.host = net.nodes().get(0);
        this.gateway = net.nodes().get(1);
    }

    static DnsLab simulated(long seed) {
        return new DnsLab(Network.simulated(seed));
    }

    static DnsLab real(long seed) {
        return new DnsLab(Network.real(seed));
    }

    static DnsLab of(Mode mode, long seed) {
        return mode == Mode.SIMULATED ? simulated(seed) : real(seed);
    }

    /**
     * {@code net.run}, except that an {@link Error} thrown by {@code body} (a failed assertion)
     * reaches the caller: in simulated time {@code Network.run} passes on only Exceptions, and an
     * Error ends the application thread with run() returning null.
     */
    <T> T run(Callable<T> body) throws Exception {
        try {
            return net.run("app", () -> {
                try {
                    return body.call();
                } catch (Error e) {
                    throw new ErrorInApplication(e);
                }
            });
        } catch (ErrorInApplication e) {
            throw e.error;
        }
    }

    private static final class ErrorInApplication extends Exception {
        final Error error;

        ErrorInApplication(Error error) {
            super(error);
            this.error = error;
        }
    }

    /** A resolver on "host" asking the gateway. */
    DnsResolver resolver(DnsResolver.Options options) {
        return new DnsResolver(host.host(), GATEWAY, options);
    }

    DnsResolver resolver() {
        return resolver(DnsResolver.Options.DEFAULT);
    }

    /** A DnsResponder on the gateway, serving on an application thread. */
    DnsResponder responder(Map<String, List<Integer>> a, Map<String, String> cnames) throws Exception {
        DnsResponder r = run(() -> new DnsResponder(gateway.host(), a, cnames));
        serveInBackground("dns-responder", r, () -> {
            try {
                r.serve();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        return r;
    }

    /** What a fake server does with the {@code index}-th query it receives. */
    interface Script {
        void on(int index, DnsMessage.Message query, Out out) throws Exception;
    }

    /** Where a fake server's replies go: to the querier, from port 53 or from another port. */
    interface Out {
        void send(byte[] reply) throws Exception;

        void sendFromOtherPort(byte[] reply) throws Exception;
    }

    /** A scripted server on the gateway's port 53 (and 5353 for replies from the wrong port). */
    static final class FakeServer implements AutoCloseable {
        final UdpSocket socket;
        final UdpSocket other;
        /** Every query received, in order. */
        final List<DnsMessage.Message> queries = new CopyOnWriteArrayList<>();

        FakeServer(UdpSocket socket, UdpSocket other) {
            this.socket = socket;
            this.other = other;
        }

        @Override
        public void close() {
            socket.close();
            other.close();
        }
    }

    FakeServer fake(Script script) throws Exception {
        FakeServer f = run(() -> new FakeServer(UdpSocket.bind(gateway.host(), DnsMessage.PORT),
                UdpSocket.bind(gateway.host(), 5353)));
        serveInBackground("fake-dns", f, () -> {
            byte[] buf = new byte[2048];
            try {
                while (true) {
                    int n = f.socket.receive(buf);
                    int from = f.socket.sourceAddress();
                    int port = f.socket.sourcePort();
                    if (DnsMessage.parse(buf, n) instanceof DnsMessage.Parsed p) {
                        f.queries.add(p.m());
                        script.on(f.queries.size() - 1, p.m(), new Out() {
                            @Override
                            public void send(byte[] reply) throws Exception {
                                f.socket.sendTo(reply, from, port);
                            }

                            @Override
                            public void sendFromOtherPort(byte[] reply) throws Exception {
                                f.other.sendTo(reply, from, port);
                            }
                        });
                    }
                }
            } catch (Exception e) {
                if (!f.socket.isClosed()) {
                    throw new IllegalStateException(e);
                }
            }
        });
        return f;
    }

    private void serveInBackground(String name, AutoCloseable server, Runnable body) {
        AtomicBoolean done = new AtomicBoolean();
        servers.add(server);
        serverThreadsDone.add(done);
        net.startApplication(name, () -> {
            try {
                body.run();
            } catch (Throwable t) {
                serverFailures.add(t);
            } finally {
                done.set(true);
            }
        });
    }

    /** True once every server thread has returned. */
    boolean serversFinished() {
        return serverThreadsDone.stream().allMatch(AtomicBoolean::get);
    }

    /** Closes the servers, waits for their threads to end, stops the network and checks the pools. */
    @Override
    public void close() throws Exception {
        run(() -> {
            for (AutoCloseable s : servers) {
                s.close();
            }
            var apps = host.host().applications();
            long deadline = apps.clock().nanos() + 5_000_000_000L;
            while (!serversFinished() && apps.clock().nanos() < deadline) {
                apps.block(apps.clock().nanos() + 1_000_000);
            }
            return null;
        });
        assertThat(serversFinished()).as("server threads ended after close").isTrue();
        assertThat(serverFailures).as("server threads' failures").isEmpty();
        net.close();
        assertThat(net.poolsFull()).as("every buffer back in its pool").isTrue();
    }

    /** A response with the query's id and question, answering {@code answers} with {@code rcode}. */
    static byte[] reply(DnsMessage.Message query, int rcode, DnsMessage.ResourceRecord... answers) {
        return DnsMessage.response(query, List.of(answers), rcode, false);
    }

    /** The same, with the header and question as given. */
    static byte[] message(int id, boolean response, boolean truncated, int rcode, String qname, int qtype,
                          List<DnsMessage.ResourceRecord> answers) {
        return DnsMessage.encode(new DnsMessage.Message(id, response, DnsMessage.OPCODE_QUERY, false, truncated, true,
                true, rcode, List.of(new DnsMessage.Question(qname, qtype, DnsMessage.CLASS_IN)), answers, List.of(),
                List.of()));
    }
}
