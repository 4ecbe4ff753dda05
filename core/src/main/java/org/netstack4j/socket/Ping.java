package org.netstack4j.socket;

import org.netstack4j.stack.EchoEndpoint;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.SocketRegistry;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * An ICMP echo client, like {@code ping}: each request carries this client's identifier and a
 * sequence number; the round trip is measured on the host's clock from the send time stamped in
 * the request to the reply's arrival.
 */
public final class Ping implements AutoCloseable {

    /**
     * What came back for one request: its echo reply (ICMP type 0), or an ICMP error quoting it
     * (type 3 destination unreachable, 11 time exceeded, with its code) from {@code from}, a router
     * on the way or the destination; an error has no bytes, TTL or round trip.
     */
    public record Reply(int sequence, int from, int bytes, int ttl, long roundTripNanos, int type, int code) {
        public static final int ECHO_REPLY = 0;

        public boolean isError() {
            return type != ECHO_REPLY;
        }
    }

    private final Host host;
    private final EchoEndpoint endpoint;
    private final byte[] request;
    private final byte[] reply;

    private Ping(Host host, EchoEndpoint endpoint, int maxPayload) {
        this.host = host;
        this.endpoint = endpoint;
        this.request = new byte[maxPayload];
        this.reply = new byte[maxPayload + 16];
    }

    /** Largest payload: an IPv4 datagram holds 65,535 bytes, 20 of them IP header and 8 ICMP header. */
    public static final int MAX_PAYLOAD = SocketRegistry.MAX_ECHO_PAYLOAD;

    /**
     * A client for payloads up to {@code maxPayload} bytes: at least 8 (the timestamp), at most
     * {@link #MAX_PAYLOAD}. Its rings are sized so that a request and its reply of that size fit.
     */
    public static Ping open(Host host, int maxPayload) throws SocketException {
        if (maxPayload < 8 || maxPayload > MAX_PAYLOAD) {
            throw new IllegalArgumentException("ping payload must be 8.." + MAX_PAYLOAD
                    + " bytes (8 for the timestamp; an IPv4 datagram holds at most " + MAX_PAYLOAD
                    + " bytes of echo data): " + maxPayload);
        }
        return new Ping(host, host.sockets().openEcho(maxPayload), maxPayload);
    }

    /**
     * Sends one echo request of {@code payload} bytes to {@code address} and waits up to
     * {@code timeout} for its reply or an ICMP error about it; null if neither came. Replies to
     * earlier requests that arrive late are skipped.
     */
    public Reply ping(int address, int sequence, int payload, Duration timeout) throws SocketException {
        if (payload < 8 || payload > request.length) {
            throw new IllegalArgumentException("payload must be 8.." + request.length + " bytes: " + payload);
        }
        for (int i = 8; i < payload; i++) {
            request[i] = (byte) i; // a recognisable pattern, as ping fills its data
        }
        long deadline = host.applications().clock().nanos() + timeout.toNanos();
        try {
            endpoint.send(address, sequence & 0xFFFF, request, payload, deadline);
            while (true) {
                int n = endpoint.receive(reply, deadline);
                if (endpoint.sequence() != (sequence & 0xFFFF)) {
                    continue; // late: an earlier request's
                }
                if (endpoint.isError()) {
                    return new Reply(sequence, endpoint.sourceAddress(), 0, 0, 0, endpoint.errorType(), endpoint.errorCode());
                }
                return new Reply(sequence, endpoint.sourceAddress(), n, endpoint.ttl(), endpoint.roundTripNanos(reply),
                        Reply.ECHO_REPLY, 0);
            }
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    public int identifier() {
        return endpoint.identifier();
    }

    @Override
    public void close() {
        host.sockets().close(endpoint);
    }
}
