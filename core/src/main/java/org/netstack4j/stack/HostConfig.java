package org.netstack4j.stack;

/**
 * A host's limits and timings. Every queue and table has a bound here, so no peer can make the
 * host hold more than these.
 *
 * @param neighborEntries       ARP cache size per interface
 * @param neighborPending       packets awaiting resolution, per neighbour
 * @param neighborPendingTotal  packets awaiting resolution, per interface
 * @param arpReachableNanos     how long an answered entry is trusted before it is re-checked
 * @param arpRetryNanos         interval between ARP requests for one address
 * @param arpRetries            requests before giving up on an address
 * @param arpFailedHoldNanos    how long a failed address drops packets at once instead of asking again
 * @param arpRequestsPerSecond  ARP requests an interface may send per second (token bucket)
 * @param reassemblyCollectors  datagrams reassembled at once (each holds one large buffer)
 * @param reassemblyTimeoutNanos time allowed for all fragments of a datagram to arrive
 * @param icmpErrorsPerSecond   ICMP errors the host may send per second (token bucket)
 * @param backlog               frames queued from interrupt handlers to the protocol job
 * @param txQueue               frames queued per interface while the transmit ring is full
 * @param socketReceiveBytes    receive ring per socket (datagrams beyond it are dropped and counted)
 * @param socketSendBytes       send ring per socket
 * @param maxSockets            sockets open at once per host
 * @param defaultTtl            TTL of datagrams this host originates
 * @param forwarding            whether datagrams for other hosts are routed on (a router) or dropped
 * @param seed                  seeds IP identifications, ephemeral ports and the like
 */
public record HostConfig(int neighborEntries, int neighborPending, int neighborPendingTotal,
                         long arpReachableNanos, long arpRetryNanos, int arpRetries, long arpFailedHoldNanos,
                         int arpRequestsPerSecond, int reassemblyCollectors, long reassemblyTimeoutNanos,
                         int icmpErrorsPerSecond, int backlog, int txQueue, int socketReceiveBytes,
                         int socketSendBytes, int maxSockets, int defaultTtl, boolean forwarding, long seed) {

    /**
     * A neighbour holds up to 48 packets while it is resolved: every fragment of a 64 KB datagram
     * (45 at MTU 1500), so the first large datagram to a new neighbour is not lost; an
     * interface holds up to 256 in all.
     */
    public static final HostConfig DEFAULT = new HostConfig(256, 48, 256,
            60_000_000_000L, 1_000_000_000L, 3, 1_000_000_000L, 50,
            16, 30_000_000_000L, 100, 1000, 256, 256 * 1024, 256 * 1024, 1024, 64, false, 1);

    public HostConfig {
        positive("neighborEntries", neighborEntries);
        positive("neighborPending", neighborPending);
        positive("neighborPendingTotal", neighborPendingTotal);
        positive("arpRetries", arpRetries);
        positive("arpRequestsPerSecond", arpRequestsPerSecond);
        positive("reassemblyCollectors", reassemblyCollectors);
        positive("icmpErrorsPerSecond", icmpErrorsPerSecond);
        positive("backlog", backlog);
        positive("txQueue", txQueue);
        positive("maxSockets", maxSockets);
        if (socketReceiveBytes < 2048 || socketSendBytes < 2048) {
            throw new IllegalArgumentException("socket rings need at least 2048 bytes");
        }
        if (defaultTtl < 1 || defaultTtl > 255) {
            throw new IllegalArgumentException("TTL must be 1..255: " + defaultTtl);
        }
    }

    private static void positive(String what, long n) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be positive: " + n);
        }
    }

    public HostConfig withForwarding(boolean on) {
        return new HostConfig(neighborEntries, neighborPending, neighborPendingTotal, arpReachableNanos,
                arpRetryNanos, arpRetries, arpFailedHoldNanos, arpRequestsPerSecond, reassemblyCollectors,
                reassemblyTimeoutNanos, icmpErrorsPerSecond, backlog, txQueue, socketReceiveBytes, socketSendBytes,
                maxSockets, defaultTtl, on, seed);
    }

    public HostConfig withSeed(long newSeed) {
        return new HostConfig(neighborEntries, neighborPending, neighborPendingTotal, arpReachableNanos,
                arpRetryNanos, arpRetries, arpFailedHoldNanos, arpRequestsPerSecond, reassemblyCollectors,
                reassemblyTimeoutNanos, icmpErrorsPerSecond, backlog, txQueue, socketReceiveBytes, socketSendBytes,
                maxSockets, defaultTtl, forwarding, newSeed);
    }

    public HostConfig withSocketReceiveBytes(int bytes) {
        return new HostConfig(neighborEntries, neighborPending, neighborPendingTotal, arpReachableNanos,
                arpRetryNanos, arpRetries, arpFailedHoldNanos, arpRequestsPerSecond, reassemblyCollectors,
                reassemblyTimeoutNanos, icmpErrorsPerSecond, backlog, txQueue, bytes, socketSendBytes,
                maxSockets, defaultTtl, forwarding, seed);
    }

    public HostConfig withMaxSockets(int sockets) {
        return new HostConfig(neighborEntries, neighborPending, neighborPendingTotal, arpReachableNanos,
                arpRetryNanos, arpRetries, arpFailedHoldNanos, arpRequestsPerSecond, reassemblyCollectors,
                reassemblyTimeoutNanos, icmpErrorsPerSecond, backlog, txQueue, socketReceiveBytes, socketSendBytes,
                sockets, defaultTtl, forwarding, seed);
    }
}
