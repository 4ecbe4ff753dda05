package org.netstack4j.lab;

import org.netstack4j.socket.DnsResponder;
import org.netstack4j.socket.ServiceFaults;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.SocketClosedException;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The services of the xv6 lab's host side, run on a netstack4j host: a UDP service that answers
 * every datagram to its port with "this is the host!", and a DNS responder. The lab's gateway runs
 * them in the simulated world, and {@code up} runs them on a real network.
 */
public final class LabServices implements AutoCloseable {
    private final UdpSocket service;
    private final AtomicLong answered = new AtomicLong();
    private volatile DnsResponder dns;
    private volatile ServiceFaults faults;
    private volatile Thread udpThread;
    private volatile Thread dnsThread;

    private LabServices(UdpSocket service) {
        this.service = service;
    }

    /**
     * Binds the UDP service to {@code udpPort} and the DNS responder (serving {@code records}) to
     * port 53 on {@code host}, and starts a server thread for each on {@code net}.
     */
    public static LabServices start(Network net, Host host, int udpPort, Map<String, List<Integer>> records)
            throws Exception {
        UdpSocket service = net.run("service-bind", () -> UdpSocket.bind(host, udpPort));
        LabServices s = new LabServices(service);
        s.faults = new ServiceFaults("UDP service on " + host.name(), host.applications().clock()::nanos);
        s.udpThread = net.startApplication("service", s::serveUdp);
        try {
            s.dns = net.run("dns-bind", () -> new DnsResponder(host, records, Map.of()));
        } catch (Exception e) {
            net.run("service-close", () -> {
                service.close();
                return null;
            });
            throw e;
        }
        DnsResponder dns = s.dns;
        s.dnsThread = net.startApplication("dns", dns::serve);
        return s;
    }

    /**
     * Answers every datagram with the lab's reply, until the socket closes. Nothing a peer sends
     * ends it: an error with one datagram is counted and logged (rate-limited) and the next is served.
     */
    private void serveUdp() {
        byte[] buffer = new byte[2048];
        byte[] answer = LabWorld.ANSWER.getBytes(StandardCharsets.US_ASCII);
        while (!service.isClosed()) {
            try {
                UdpSocket.Datagram d = service.receiveFrom(buffer);
                service.sendTo(answer, 0, answer.length, d.address(), d.port());
                answered.incrementAndGet();
            } catch (SocketClosedException e) {
                return; // the services are over
            } catch (SocketException | SocketTimeoutException e) {
                faults.record(e);
            }
        }
    }

    /** Names of the services whose threads still run (a stopped host or a closed socket ends them). */
    public List<String> running() {
        List<String> names = new java.util.ArrayList<>();
        if (udpThread != null && udpThread.isAlive()) {
            names.add("udp/" + service.localPort());
        }
        if (dnsThread != null && dnsThread.isAlive()) {
            names.add("dns/53");
        }
        return names;
    }

    /** Faults the UDP service met and went on from. */
    public ServiceFaults udpFaults() {
        return faults;
    }

    /** Datagrams the UDP service answered. */
    public long udpAnswered() {
        return answered.get();
    }

    public DnsResponder dns() {
        return dns;
    }

    /** The services' own counters, for people and JSON. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("udp_answered", answered.get());
        m.put("dns_received", dns.received());
        m.put("dns_answered", dns.answered());
        m.put("dns_nxdomain", dns.nxdomain());
        m.put("dns_dropped", dns.dropped());
        m.put("udp_faults", faults.total());
        m.put("dns_faults", dns.faults().total());
        return m;
    }

    /** Closes both sockets; their server threads end. Call as an application (inside {@link Network#run}). */
    @Override
    public void close() {
        service.close();
        dns.close();
    }
}
