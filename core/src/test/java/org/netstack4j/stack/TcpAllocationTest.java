package org.netstack4j.stack;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.stack.tcp.TcpConnection;
import org.netstack4j.wire.Ipv4Address;

import java.lang.management.ManagementFactory;
import java.net.SocketException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A TCP transfer in steady state allocates nothing per segment: two hosts in simulated time,
 * a loop-side sender and sink (the non-blocking API, so no application thread is involved),
 * measured with the JVM's per-thread allocation counter on the thread that runs the simulation:
 * both hosts' loops, drivers and card models, the cable, the timers.
 */
class TcpAllocationTest {
    private static final int GATEWAY = Ipv4Address.parseBits("10.0.2.2");

    /** Writes {@code limit} bytes from one array whenever there is room, then closes. */
    private static final class Sender implements TcpEvents {
        final TcpLayer tcp;
        final byte[] data = new byte[64 * 1024];
        final long limit;
        long written;

        Sender(TcpLayer tcp, long limit) {
            this.tcp = tcp;
            this.limit = limit;
        }

        @Override
        public void onReady(TcpConnection c, int ready) {
            try {
                int n = 1;
                while (written < limit && n > 0) {
                    n = tcp.writeNow(c, data, 0, (int) Math.min(data.length, limit - written));
                    written += n;
                }
                if (written == limit) {
                    tcp.closeNow(c);
                }
            } catch (SocketException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Reads into one array whatever arrives. */
    private static final class Sink implements TcpEvents {
        final TcpLayer tcp;
        final byte[] buf = new byte[64 * 1024];
        long read;

        Sink(TcpLayer tcp) {
            this.tcp = tcp;
        }

        @Override
        public void onAcceptable(TcpLayer.Listener l) {
            TcpConnection c;
            while ((c = tcp.acceptNow(l, this)) != null) {
                tcp.thresholds(c, 16 * 1024, 1);
            }
        }

        @Override
        public void onReady(TcpConnection c, int ready) {
            try {
                int n;
                while ((n = tcp.readNow(c, buf, 0, buf.length)) > 0) {
                    read += n;
                }
            } catch (SocketException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Opens a connection for {@code sender} (the objects for it are made here) and lets it run to its end. */
    private static void transfer(Network net, Host client, Sender sender) throws InterruptedException {
        client.tcp().execute(() -> {
            try {
                client.tcp().connectNow(GATEWAY, 9, sender);
            } catch (SocketException e) {
                throw new IllegalStateException(e);
            }
        });
        net.idle(1_000_000_000L);
    }

    @Test
    void aSteadyTransferAllocatesNothingPerSegment() throws Exception {
        var mx = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean tm && tm.isThreadAllocatedMemorySupported(),
                "this JVM cannot count allocated bytes per thread");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        Network net = TwoHosts.start(Network.simulated(61), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        Host client = net.nodes().get(0).host();
        Host gateway = net.nodes().get(1).host();
        Sink sink = new Sink(gateway.tcp());
        gateway.tcp().execute(() -> {
            try {
                gateway.tcp().listenNow(0, 9, 4, sink);
            } catch (java.net.BindException e) {
                throw new IllegalStateException(e);
            }
        });
        net.idle(10_000_000L);
        // Warm-up: a first transfer (the JIT, the chunk pool's slabs, the timer wheel's slots).
        Sender warmUp = new Sender(client.tcp(), 30L << 20);
        transfer(net, client, warmUp);
        long me = Thread.currentThread().threadId();
        long segmentsBefore = client.counters().get(Counter.TCP_OUT_SEGS) + gateway.counters().get(Counter.TCP_OUT_SEGS);
        long readBefore = sink.read;
        Sender sender = new Sender(client.tcp(), 50L << 20);
        long before = threads.getThreadAllocatedBytes(me);
        transfer(net, client, sender); // connection set-up and close included: a handful of objects
        long allocated = threads.getThreadAllocatedBytes(me) - before;
        long segments = client.counters().get(Counter.TCP_OUT_SEGS) + gateway.counters().get(Counter.TCP_OUT_SEGS)
                - segmentsBefore;
        long bytes = sink.read - readBefore;
        assertThat(bytes).as("a transfer was running").isGreaterThan(10L << 20);
        assertThat(sink.read).isEqualTo(warmUp.limit + sender.limit);
        System.out.printf("TCP steady state: %d bytes allocated for %d segments (%d MB moved)%n", allocated, segments,
                bytes >> 20);
        // The simulation's own bookkeeping per step (a few objects per idle call) is all there may be.
        assertThat(allocated / (double) segments).as("bytes allocated per segment").isLessThan(1.0);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }
}
