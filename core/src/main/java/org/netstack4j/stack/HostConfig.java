package org.netstack4j.stack;

import org.netstack4j.buffer.ChunkPool;
import org.netstack4j.stack.tcp.TcpConfig;

import java.util.Objects;

/**
 * A host's limits and timings. Every queue and table has a bound here, so no peer can make the
 * host hold more than these. Start from {@link #DEFAULT} or {@link #builder()} and change what
 * differs by name: {@code HostConfig.builder().forwarding(true).seed(7).build()}.
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
 * @param tcp                   how this host's TCP connections are set up
 * @param maxConnections        TCP connections (TIME-WAIT included) at once
 * @param streamMemoryBytes     the host-wide budget of TCP stream memory (Linux's tcp_mem)
 * @param synCookies            answer SYNs with SYN cookies when a listener's SYN queue is full (Linux's
 *                              tcp_syncookies = 1), instead of dropping them
 * @param memoryPressurePercent stream memory comes under pressure when this share of the budget is in use
 *                              (Linux's tcp_mem[1]): windows and send buffers stop growing
 * @param memoryLowPercent      and leaves it when use falls to this share (tcp_mem[0]); below the other
 * @param resetsPerSecond       RSTs the host may send per second for segments no connection or listener
 *                              takes (token bucket; FreeBSD limits these with its icmplim): a flood to
 *                              closed ports cannot turn the host into a reflector
 */
public record HostConfig(int neighborEntries, int neighborPending, int neighborPendingTotal,
                         long arpReachableNanos, long arpRetryNanos, int arpRetries, long arpFailedHoldNanos,
                         int arpRequestsPerSecond, int reassemblyCollectors, long reassemblyTimeoutNanos,
                         int icmpErrorsPerSecond, int backlog, int txQueue, int socketReceiveBytes,
                         int socketSendBytes, int maxSockets, int defaultTtl, boolean forwarding, long seed,
                         TcpConfig tcp, int maxConnections, long streamMemoryBytes, boolean synCookies,
                         int memoryPressurePercent, int memoryLowPercent, int resetsPerSecond) {

    /**
     * A neighbour holds up to 48 packets while it is resolved: every fragment of a 64 KB datagram
     * (45 at MTU 1500), so the first large datagram to a new neighbour is not lost; an
     * interface holds up to 256 in all. TCP: 65,536 connections, 64 MB of stream memory, under
     * pressure from 75 % of it in use until 50 %.
     */
    public static final HostConfig DEFAULT = new Builder().build();

    public HostConfig {
        positive("neighborEntries", neighborEntries);
        positive("neighborPending", neighborPending);
        positive("neighborPendingTotal", neighborPendingTotal);
        positive("arpRetries", arpRetries);
        positive("arpRequestsPerSecond", arpRequestsPerSecond);
        positive("reassemblyCollectors", reassemblyCollectors);
        positive("icmpErrorsPerSecond", icmpErrorsPerSecond);
        positive("resetsPerSecond", resetsPerSecond);
        positive("backlog", backlog);
        positive("txQueue", txQueue);
        positive("maxSockets", maxSockets);
        positive("maxConnections", maxConnections);
        if (socketReceiveBytes < 2048 || socketSendBytes < 2048) {
            throw new IllegalArgumentException("socket rings need at least 2048 bytes");
        }
        if (defaultTtl < 1 || defaultTtl > 255) {
            throw new IllegalArgumentException("TTL must be 1..255: " + defaultTtl);
        }
        if (streamMemoryBytes < ChunkPool.CHUNK_BYTES) {
            throw new IllegalArgumentException("stream memory must be at least one 4 KB chunk: " + streamMemoryBytes);
        }
        ChunkPool.checkThresholds(memoryPressurePercent, memoryLowPercent);
        Objects.requireNonNull(tcp, "tcp");
    }

    private static void positive(String what, long n) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be positive: " + n);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration, to change some of it. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public HostConfig withForwarding(boolean on) {
        return toBuilder().forwarding(on).build();
    }

    public HostConfig withSeed(long newSeed) {
        return toBuilder().seed(newSeed).build();
    }

    /** Names each setting; unset ones keep {@link #DEFAULT}'s values. */
    public static final class Builder {
        private int neighborEntries = 256;
        private int neighborPending = 48;
        private int neighborPendingTotal = 256;
        private long arpReachableNanos = 60_000_000_000L;
        private long arpRetryNanos = 1_000_000_000L;
        private int arpRetries = 3;
        private long arpFailedHoldNanos = 1_000_000_000L;
        private int arpRequestsPerSecond = 50;
        private int reassemblyCollectors = 16;
        private long reassemblyTimeoutNanos = 30_000_000_000L;
        private int icmpErrorsPerSecond = 100;
        private int backlog = 1000;
        private int txQueue = 256;
        private int socketReceiveBytes = 256 * 1024;
        private int socketSendBytes = 256 * 1024;
        private int maxSockets = 1024;
        private int defaultTtl = 64;
        private boolean forwarding;
        private long seed = 1;
        private TcpConfig tcp = TcpConfig.DEFAULT;
        private int maxConnections = 65_536;
        private long streamMemoryBytes = 64L << 20;
        private boolean synCookies = true;
        private int memoryPressurePercent = ChunkPool.DEFAULT_PRESSURE_PERCENT;
        private int memoryLowPercent = ChunkPool.DEFAULT_LOW_PERCENT;
        private int resetsPerSecond = 1000;

        private Builder() {
        }

        private Builder(HostConfig c) {
            neighborEntries = c.neighborEntries;
            neighborPending = c.neighborPending;
            neighborPendingTotal = c.neighborPendingTotal;
            arpReachableNanos = c.arpReachableNanos;
            arpRetryNanos = c.arpRetryNanos;
            arpRetries = c.arpRetries;
            arpFailedHoldNanos = c.arpFailedHoldNanos;
            arpRequestsPerSecond = c.arpRequestsPerSecond;
            reassemblyCollectors = c.reassemblyCollectors;
            reassemblyTimeoutNanos = c.reassemblyTimeoutNanos;
            icmpErrorsPerSecond = c.icmpErrorsPerSecond;
            backlog = c.backlog;
            txQueue = c.txQueue;
            socketReceiveBytes = c.socketReceiveBytes;
            socketSendBytes = c.socketSendBytes;
            maxSockets = c.maxSockets;
            defaultTtl = c.defaultTtl;
            forwarding = c.forwarding;
            seed = c.seed;
            tcp = c.tcp;
            maxConnections = c.maxConnections;
            streamMemoryBytes = c.streamMemoryBytes;
            synCookies = c.synCookies;
            memoryPressurePercent = c.memoryPressurePercent;
            memoryLowPercent = c.memoryLowPercent;
            resetsPerSecond = c.resetsPerSecond;
        }

        /** ARP cache size, packets held per unresolved neighbour, and per interface in all. */
        public Builder neighbors(int entries, int pendingPerNeighbor, int pendingTotal) {
            neighborEntries = entries;
            neighborPending = pendingPerNeighbor;
            neighborPendingTotal = pendingTotal;
            return this;
        }

        /** ARP timings: trust an answer this long, ask again at this interval this many times, then hold the failure. */
        public Builder arpTimes(long reachableNanos, long retryNanos, int retries, long failedHoldNanos) {
            arpReachableNanos = reachableNanos;
            arpRetryNanos = retryNanos;
            arpRetries = retries;
            arpFailedHoldNanos = failedHoldNanos;
            return this;
        }

        public Builder arpRequestsPerSecond(int n) {
            arpRequestsPerSecond = n;
            return this;
        }

        public Builder reassembly(int collectors, long timeoutNanos) {
            reassemblyCollectors = collectors;
            reassemblyTimeoutNanos = timeoutNanos;
            return this;
        }

        public Builder icmpErrorsPerSecond(int n) {
            icmpErrorsPerSecond = n;
            return this;
        }

        public Builder backlog(int frames) {
            backlog = frames;
            return this;
        }

        public Builder txQueue(int frames) {
            txQueue = frames;
            return this;
        }

        /** Datagram sockets' rings, each direction. */
        public Builder socketBuffers(int receiveBytes, int sendBytes) {
            socketReceiveBytes = receiveBytes;
            socketSendBytes = sendBytes;
            return this;
        }

        public Builder maxSockets(int n) {
            maxSockets = n;
            return this;
        }

        public Builder defaultTtl(int ttl) {
            defaultTtl = ttl;
            return this;
        }

        public Builder forwarding(boolean on) {
            forwarding = on;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder tcp(TcpConfig config) {
            tcp = config;
            return this;
        }

        public Builder maxConnections(int n) {
            maxConnections = n;
            return this;
        }

        public Builder streamMemoryBytes(long bytes) {
            streamMemoryBytes = bytes;
            return this;
        }

        /**
         * Stream memory is under pressure from {@code pressurePercent} of the budget in use until it
         * falls to {@code lowPercent} (Linux's tcp_mem[1] and tcp_mem[0]; its tcp_mem[2] is the budget).
         */
        public Builder memoryPressure(int pressurePercent, int lowPercent) {
            memoryPressurePercent = pressurePercent;
            memoryLowPercent = lowPercent;
            return this;
        }

        public Builder synCookies(boolean on) {
            synCookies = on;
            return this;
        }

        public Builder resetsPerSecond(int n) {
            resetsPerSecond = n;
            return this;
        }

        public HostConfig build() {
            return new HostConfig(neighborEntries, neighborPending, neighborPendingTotal, arpReachableNanos,
                    arpRetryNanos, arpRetries, arpFailedHoldNanos, arpRequestsPerSecond, reassemblyCollectors,
                    reassemblyTimeoutNanos, icmpErrorsPerSecond, backlog, txQueue, socketReceiveBytes, socketSendBytes,
                    maxSockets, defaultTtl, forwarding, seed, tcp, maxConnections, streamMemoryBytes, synCookies,
                    memoryPressurePercent, memoryLowPercent, resetsPerSecond);
        }
    }
}
