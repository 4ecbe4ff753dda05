package org.netstack4j.cli;

import java.util.List;

/**
 * One row of the bench table: a test (UDP one-way, UDP echo round trip, TCP bulk, TCP
 * request/response, forwarding), the stack and how it was run, and what was measured. Rates are per second of wall
 * clock; latencies in microseconds; allocation in bytes per packet on the wire.
 *
 * @param test      the test's id ({@link #UDP_ONE_WAY}, ...)
 * @param stack     "netstack4j" or "jdk"
 * @param variant   the wake mode (netstack4j) or the arrangement (jdk; "veth" for the JDK on Linux over a veth pair)
 * @param packets   packets counted (datagrams received, round trips, frames forwarded; TCP bulk: segments
 *                  both ends sent for netstack4j, 64 KB writes for the JDK)
 * @param seconds   wall-clock time the counted packets took
 * @param rate      the headline rate: packets/s received (one-way), round trips/s (echo, request/response),
 *                  bytes/s (TCP bulk), frames/s
 *                  per second of router CPU time (forwarding)
 * @param wholeRate forwarding: frames/s of the whole network (generator, router, sink) on one core; TCP bulk
 *                  with offloads: both hosts' simulated CPU ns per KB moved; else NaN
 * @param latency   round-trip percentiles (echo), else null
 * @param allocBytesPerPacket Java heap bytes allocated per packet, on every thread of the measurement
 * @param loss      fraction of sent datagrams that did not arrive (kernel drops), 0 where nothing may be lost
 */
record BenchResult(String test, String stack, String variant, long packets, double seconds, double rate,
                   double wholeRate, Latency latency, double allocBytesPerPacket, double loss) {

    static final String UDP_ONE_WAY = "udp_one_way";
    static final String UDP_ECHO = "udp_echo_rtt";
    static final String TCP_BULK = "tcp_bulk";
    static final String TCP_BULK_JUMBO = "tcp_bulk_mtu9000";
    static final String TCP_RR = "tcp_rr_rtt";
    static final String FORWARD = "forward";
    /** The deployment path: two hosts on real threads, blocking applications on threads of their own. */
    static final String RT_UDP_ONE_WAY = "rt_udp_one_way";
    static final String RT_UDP_ECHO = "rt_udp_echo_rtt";
    static final String RT_TCP_RR_LOOP = "rt_tcp_rr_loop_rtt";
    static final String RT_TCP_RR_BLOCKING = "rt_tcp_rr_blocking_rtt";
    /** TCP bulk through 1 % loss each way on a 100 Mbit/s, 10 ms link, in simulated time (a protocol figure). */
    static final String TCP_LOSS0 = "tcp_bulk_loss0";
    static final String TCP_LOSS1 = "tcp_bulk_loss1";

    /** True for the bulk-through-loss tests (no loss, 1 %), reported alike. */
    static boolean isLoss(String test) {
        return test.equals(TCP_LOSS0) || test.equals(TCP_LOSS1);
    }
    /** Short TCP connections: open, a one-byte request and answer, close. */
    static final String TCP_CONN = "tcp_conn_per_s";
    /** TCP request/response with 1, 1,000 and 100,000 connections open (the rest idle): time per segment. */
    static final String TCP_COST = "tcp_cost_per_packet";
    /** The connection counts of the {@link #TCP_COST} rows. */
    static final List<Integer> TCP_COST_CONNECTIONS = List.of(1, 1_000, 100_000);
    /** The suffix of a {@link #TCP_COST} variant with the cards' offloads on ("1000-offload"); without it they are off. */
    static final String OFFLOAD_SUFFIX = "-offload";
    /**
     * TCP bulk with the cards' offloads on and off (variants "on", "off"), in simulated time: the
     * sender's transmit descriptors ({@code packets}) and both hosts' CPU time as
     * {@code CostModel.HOST} prices it, in ns per KB ({@code wholeRate}); {@code rate} is bytes per
     * second of simulated time.
     */
    static final String TCP_BULK_OFFLOAD = "tcp_bulk_offload";
    /** Against Linux over a real link: netstack4j on a TAP device, beside the JDK on Linux over veth. */
    static final String TAP_UDP_ECHO = "tap_udp_echo_rtt";
    static final String TAP_UDP_WINDOW = "tap_udp_echo_w32";
    /** Datagrams in flight in the {@link #TAP_UDP_WINDOW} test. */
    static final int TAP_WINDOW = 32;

    /** Every test in table order, with a title; those without a measurement yet are listed as such. */
    record Test(String id, String title, String unit, String missing) {
    }

    static final List<Test> TESTS = List.of(
            new Test(UDP_ONE_WAY, "UDP one-way, 64 B payload", "datagrams/s received", null),
            new Test(UDP_ECHO, "UDP echo round trip, 64 B payload", "us (p50 / p99 / p99.9 / max)", null),
            new Test(TCP_BULK, "TCP bulk, one stream, MTU 1500", "bits/s", null),
            new Test(TCP_BULK_JUMBO, "TCP bulk, one stream, MTU 9000", "bits/s", null),
            new Test(TCP_RR, "TCP 1-byte request/response", "us (p50 / p99 / p99.9 / max)", null),
            new Test(FORWARD, "IPv4 forwarding, 64 B frames", "frames/s per router core", null),
            new Test(TCP_CONN, "TCP connections (open, 1 B each way, close)", "connections/s", null),
            new Test(TCP_LOSS0, "TCP bulk, no loss, 100 Mbit/s 10 ms", "bits/s of simulated time", null),
            new Test(TCP_LOSS1, "TCP bulk, 1 % loss, 100 Mbit/s 10 ms", "bits/s of simulated time", null),
            new Test(TCP_COST, "TCP req/resp, N connections open", "ns per segment", null),
            new Test(TCP_BULK_OFFLOAD, "TCP bulk, card offloads on / off", "descriptors per MB, CPU ns per KB", null),
            new Test(RT_UDP_ONE_WAY, "UDP one-way, real threads (deployed)", "datagrams/s received", null),
            new Test(RT_UDP_ECHO, "UDP echo, real threads (deployed)", "us (p50 / p99 / p99.9 / max)", null),
            new Test(RT_TCP_RR_LOOP, "TCP 1-byte req/resp, apps on the loops", "us (p50 / p99 / p99.9 / max)", null),
            new Test(RT_TCP_RR_BLOCKING, "TCP 1-byte req/resp, blocking apps", "us (p50 / p99 / p99.9 / max)", null),
            new Test(TAP_UDP_ECHO, "UDP echo to Linux, TAP / veth", "us (p50 / p99 / p99.9 / max)", null),
            new Test(TAP_UDP_WINDOW, "UDP echoes to Linux, 32 in flight", "echoes/s", null));

    /** Round-trip percentiles in microseconds. */
    record Latency(double p50, double p99, double p999, double max, double mean) {
    }

    /**
     * The machine's noise floor: the percentiles of a busy loop of {@code workNanos} timed like an
     * echo, and how often the thread stalled for 10 us or more.
     */
    record NoiseFloor(Latency latency, long workNanos, double stallsPerSecond, double stalledFraction) {

        /**
         * The longest work that meets a stall less often than once in a thousand runs (stalls
         * arriving at random): anything longer has a p99.9 at least one stall long.
         */
        double stallFreeWorkAtP999Nanos() {
            return stallsPerSecond <= 0 ? Double.POSITIVE_INFINITY : 1e9 * 0.001 / stallsPerSecond;
        }
    }

    boolean isNetstack4j() {
        return stack.equals("netstack4j");
    }

    /** "netstack4j napi", "jdk-blocking". */
    String label() {
        return isNetstack4j() ? stack + " " + variant : variant;
    }
}
