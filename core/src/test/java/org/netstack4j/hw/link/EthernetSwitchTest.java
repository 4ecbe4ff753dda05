package org.netstack4j.hw.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.netstack4j.hw.link.Frames.BROADCAST;
import static org.netstack4j.hw.link.Frames.mac;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.exec.Simulation;
import org.netstack4j.wire.MacAddress;

class EthernetSwitchTest {
    private static final long SECOND = 1_000_000_000L;

    private final Simulation sim = new Simulation();

    /** Hosts h[i] with MAC mac(i + 1) on port i. */
    private RecordingConnector[] plugHosts(EthernetSwitch sw, int n) {
        RecordingConnector[] h = new RecordingConnector[n];
        for (int i = 0; i < n; i++) {
            h[i] = new RecordingConnector("h" + i);
            sw.plug(i, h[i]);
        }
        return h;
    }

    private static void send(RecordingConnector from, long dst, long src, int seq) {
        from.transmit(Frames.numbered(dst, src, seq, 60));
    }

    private static void clear(RecordingConnector... hosts) {
        for (RecordingConnector h : hosts) {
            h.clear();
        }
    }

    @Test
    void floodsUnknownUnicastThenForwardsOnceLearned() {
        EthernetSwitch sw = new EthernetSwitch("sw", 4, sim);
        RecordingConnector[] h = plugHosts(sw, 4);

        send(h[0], mac(2), mac(1), 1); // h1 unknown yet: flooded
        assertThat(h[0].count()).isZero();
        assertThat(h[1].count()).isEqualTo(1);
        assertThat(h[2].count()).isEqualTo(1);
        assertThat(h[3].count()).isEqualTo(1);
        clear(h);

        send(h[1], mac(1), mac(2), 2); // h0 learned: forwarded to port 0 only
        assertThat(h[0].received()).extracting(Frames::sequenceOf).containsExactly(2);
        assertThat(h[2].count() + h[3].count() + h[1].count()).isZero();
        clear(h);

        send(h[0], mac(2), mac(1), 3); // h1 now learned too
        assertThat(h[1].received()).extracting(Frames::sequenceOf).containsExactly(3);
        assertThat(h[2].count() + h[3].count() + h[0].count()).isZero();

        assertThat(sw.lookup(new MacAddress(mac(1)))).isEqualTo(0);
        assertThat(sw.lookup(new MacAddress(mac(2)))).isEqualTo(1);
        assertThat(sw.lookup(new MacAddress(mac(3)))).isEqualTo(-1);
        assertThat(sw.counters(0).flooded()).isEqualTo(1);
        assertThat(sw.counters(0).forwarded()).isEqualTo(1);
        assertThat(sw.counters(1).forwarded()).isEqualTo(1);
        assertThat(sw.counters(1).tx()).isEqualTo(2); // one flood, one forward
        assertThat(sw.counters(2).tx()).isEqualTo(1);
        assertThat(sw.tableCounters().learned()).isEqualTo(2);
    }

    @Test
    void floodsBroadcastAndMulticastEvenToKnownHosts() {
        EthernetSwitch sw = new EthernetSwitch("sw", 3, sim);
        RecordingConnector[] h = plugHosts(sw, 3);
        send(h[1], BROADCAST, mac(2), 0);
        send(h[2], BROADCAST, mac(3), 0);
        clear(h);

        send(h[0], BROADCAST, mac(1), 1);
        send(h[0], 0x0100_5E00_0001L, mac(1), 2); // IPv4 multicast 224.0.0.1
        send(h[0], 0x3333_0000_0001L, mac(1), 3); // IPv6 all-nodes

        for (int i = 1; i < 3; i++) {
            assertThat(h[i].received()).extracting(Frames::sequenceOf).containsExactly(1, 2, 3);
        }
        assertThat(h[0].count()).isZero();
        assertThat(sw.counters(0).flooded()).isEqualTo(3);
    }

    @Test
    void neverLearnsAGroupSourceAddress() {
        EthernetSwitch sw = new EthernetSwitch("sw", 2, sim);
        RecordingConnector[] h = plugHosts(sw, 2);
        send(h[0], mac(2), 0x0100_5E00_0001L, 1);
        assertThat(sw.lookup(new MacAddress(0x0100_5E00_0001L))).isEqualTo(-1);
        assertThat(sw.tableCounters().groupSources()).isEqualTo(1);
        assertThat(sw.tableCounters().entries()).isZero();
        assertThat(h[1].count()).isEqualTo(1);
    }

    @Test
    void filtersFramesWhoseDestinationIsOnTheIngressPort() {
        // Two hosts behind one port: a second switch (a hub-like segment) on port 0.
        EthernetSwitch edge = new EthernetSwitch("edge", 3, sim);
        EthernetSwitch core = new EthernetSwitch("core", 2, sim);
        RecordingConnector a = new RecordingConnector("a");
        RecordingConnector b = new RecordingConnector("b");
        RecordingConnector c = new RecordingConnector("c");
        edge.plug(0, a);
        edge.plug(1, b);
        Cable.connect(edge.port(2), core.port(0));
        core.plug(1, c);

        send(a, BROADCAST, mac(1), 1); // core learns a on its port 0
        send(b, BROADCAST, mac(2), 2); // core learns b on its port 0
        clear(a, b, c);
        // With edge's table flushed, edge floods b -> a to a and up to core; core knows a is on
        // that same port, so it must filter the frame rather than send it to c.
        edge.flushTable();
        send(b, mac(1), mac(2), 3);

        assertThat(a.received()).extracting(Frames::sequenceOf).containsExactly(3);
        assertThat(c.count()).isZero();
        assertThat(core.counters(0).filtered()).isEqualTo(1);
        assertThat(core.counters(1).tx()).isEqualTo(2); // only the two broadcasts
    }

    @Test
    void filtersAFrameSentToAnAddressLearnedOnTheSamePort() {
        EthernetSwitch sw = new EthernetSwitch("sw", 2, sim);
        RecordingConnector[] h = plugHosts(sw, 2);
        send(h[0], BROADCAST, mac(1), 1);
        clear(h);
        send(h[0], mac(1), mac(9), 2); // to itself
        assertThat(h[0].count() + h[1].count()).isZero();
        assertThat(sw.counters(0).filtered()).isEqualTo(1);
        assertThat(sw.counters(0).rx()).isEqualTo(2);
    }

    @Test
    void dropsRuntsAndCountsThem() {
        EthernetSwitch sw = new EthernetSwitch("sw", 2, sim);
        RecordingConnector[] h = plugHosts(sw, 2);
        h[0].transmit(new byte[0]);
        h[0].transmit(new byte[13]);
        h[0].transmit(Frames.ethernet(BROADCAST, mac(1), 0x88b5, 14)); // 14 bytes: the smallest that passes

        assertThat(h[1].count()).isEqualTo(1);
        var c = sw.counters(0);
        assertThat(c.rx()).isEqualTo(3);
        assertThat(c.runts()).isEqualTo(2);
        assertThat(c.dropped()).isEqualTo(2);
        assertThat(c.flooded()).isEqualTo(1);
        assertThat(sw.tableCounters().entries()).isEqualTo(1); // a runt teaches nothing
    }

    @Test
    void agesOutAddressesAfter300SecondsByDefault() {
        EthernetSwitch sw = new EthernetSwitch("sw", 3, sim);
        RecordingConnector[] h = plugHosts(sw, 3);
        send(h[1], BROADCAST, mac(2), 0); // learn h1 at t=0
        clear(h);

        sim.runFor(299 * SECOND);
        send(h[0], mac(2), mac(1), 1);
        assertThat(h[2].count()).as("still known at 299 s: forwarded, not flooded").isZero();
        assertThat(h[1].count()).isEqualTo(1);

        sim.runFor(1 * SECOND); // 300 s since h1 was last seen as a source
        send(h[0], mac(2), mac(1), 2);
        assertThat(h[2].received()).as("aged out: flooded").extracting(Frames::sequenceOf).containsExactly(2);
        assertThat(sw.tableCounters().aged()).isEqualTo(1);
        assertThat(sw.lookup(new MacAddress(mac(2)))).isEqualTo(-1);
    }

    @Test
    void seeingAnAddressAgainRestartsItsAgeing() {
        EthernetSwitch sw = new EthernetSwitch("sw", 3, sim, 16, 10 * SECOND);
        RecordingConnector[] h = plugHosts(sw, 3);
        send(h[1], BROADCAST, mac(2), 0);
        sim.runFor(8 * SECOND);
        send(h[1], BROADCAST, mac(2), 0); // refreshed at 8 s
        sim.runFor(8 * SECOND);
        assertThat(sw.lookup(new MacAddress(mac(2)))).isEqualTo(1);
        sim.runFor(2 * SECOND);
        assertThat(sw.lookup(new MacAddress(mac(2)))).isEqualTo(-1);
    }

    @Test
    void boundedTableRefusesNewAddressesWhenFullUntilOldOnesAge() {
        EthernetSwitch sw = new EthernetSwitch("sw", 2, sim, 4, 10 * SECOND);
        RecordingConnector[] h = plugHosts(sw, 2);
        for (int i = 1; i <= 10; i++) {
            send(h[0], BROADCAST, mac(i), i);
        }
        var t = sw.tableCounters();
        assertThat(t.entries()).isEqualTo(4);
        assertThat(t.learned()).isEqualTo(4);
        assertThat(t.refused()).isEqualTo(6);
        assertThat(sw.lookup(new MacAddress(mac(4)))).isEqualTo(0);
        assertThat(sw.lookup(new MacAddress(mac(5)))).isEqualTo(-1);

        clear(h);
        send(h[1], mac(7), mac(100), 1); // mac 7 was refused: flooded to port 0 anyway, not lost
        assertThat(h[0].count()).isEqualTo(1);
        assertThat(sw.tableCounters().refused()).isEqualTo(7); // mac 100 did not fit either

        sim.runFor(10 * SECOND);
        send(h[1], BROADCAST, mac(200), 2); // the full table is swept: the old entries aged
        t = sw.tableCounters();
        assertThat(t.aged()).isEqualTo(4);
        assertThat(t.entries()).isEqualTo(1);
        assertThat(sw.lookup(new MacAddress(mac(200)))).isEqualTo(1);
    }

    @Test
    void manyAddressesStayFindableThroughRemovals() {
        // Exercises the open-addressing table's probing and backward-shift deletion.
        EthernetSwitch sw = new EthernetSwitch("sw", 4, sim, 512, 100 * SECOND);
        RecordingConnector[] h = plugHosts(sw, 4);
        for (int i = 0; i < 512; i++) {
            send(h[i % 4], BROADCAST, mac(i * 4099 + 17), i);
        }
        sw.port(1).detach(); // forgets every address on port 1
        for (int i = 0; i < 512; i++) {
            int expected = i % 4 == 1 ? -1 : i % 4;
            assertThat(sw.lookup(new MacAddress(mac(i * 4099 + 17)))).as("address %d", i).isEqualTo(expected);
        }
        assertThat(sw.tableCounters().flushed()).isEqualTo(128);
        assertThat(sw.tableCounters().entries()).isEqualTo(384);
    }

    @Test
    void addressMovesWhenSeenOnAnotherPort() {
        EthernetSwitch sw = new EthernetSwitch("sw", 3, sim);
        RecordingConnector[] h = plugHosts(sw, 3);
        send(h[0], BROADCAST, mac(1), 0);
        send(h[2], BROADCAST, mac(1), 0); // the host moved to port 2
        clear(h);
        send(h[1], mac(1), mac(2), 1);
        assertThat(h[2].count()).isEqualTo(1);
        assertThat(h[0].count()).isZero();
        assertThat(sw.tableCounters().moves()).isEqualTo(1);
    }

    @Test
    void unpluggingAPortForgetsItsAddressesAndStopsSendingThere() {
        EthernetSwitch sw = new EthernetSwitch("sw", 3, sim);
        RecordingConnector[] h = new RecordingConnector[3];
        List<Cable> cables = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            h[i] = new RecordingConnector("h" + i);
            cables.add(sw.plug(i, h[i]));
        }
        send(h[1], BROADCAST, mac(2), 0);
        clear(h);
        cables.get(1).unplug();
        send(h[0], mac(2), mac(1), 1); // flooded now, to port 2 only (port 1 is down)
        assertThat(h[1].count()).isZero();
        assertThat(h[2].count()).isEqualTo(1);
        assertThat(sw.counters(1).tx()).isZero();
        assertThat(sw.tableCounters().flushed()).isEqualTo(1);
    }

    @Test
    void countersAccountForEveryReceivedFrame() {
        EthernetSwitch sw = new EthernetSwitch("sw", 2, sim);
        RecordingConnector[] h = plugHosts(sw, 2);
        send(h[0], BROADCAST, mac(1), 0);
        send(h[0], mac(1), mac(1), 0);
        h[0].transmit(new byte[5]);
        send(h[0], mac(5), mac(1), 0);
        var c = sw.counters(0);
        assertThat(c.rx()).isEqualTo(c.forwarded() + c.flooded() + c.filtered() + c.dropped()).isEqualTo(4);
        assertThat(c.toMap()).containsOnlyKeys("rx", "tx", "forwarded", "flooded", "filtered", "dropped", "runts");
        assertThat(sw.tableCounters().toMap()).containsKeys("entries", "learned", "aged", "learn_refused");
        assertThatThrownBy(() -> sw.port(2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    @Timeout(20)
    void concurrentSendersOnEveryPortLoseNothing() throws Exception {
        int ports = 4;
        int perSender = 20_000;
        EthernetSwitch sw = new EthernetSwitch("sw", ports, () -> System.nanoTime());
        RecordingConnector[] h = new RecordingConnector[ports];
        for (int i = 0; i < ports; i++) {
            h[i] = new RecordingConnector("h" + i, false);
            sw.plug(i, h[i]);
        }
        for (int i = 0; i < ports; i++) {
            send(h[i], BROADCAST, mac(i + 1), 0); // everyone learned
        }
        clear(h);

        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < ports; i++) {
            int me = i;
            threads.add(Thread.ofPlatform().start(() -> {
                byte[] toNext = Frames.numbered(mac((me + 1) % ports + 1), mac(me + 1), me, 60);
                byte[] broadcast = Frames.numbered(BROADCAST, mac(me + 1), me, 60);
                byte[] toSelf = Frames.numbered(mac(me + 1), mac(me + 1), me, 60);
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int n = 0; n < perSender; n++) {
                    h[me].transmit(n % 10 == 0 ? broadcast : n % 10 == 1 ? toSelf : toNext);
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }

        long broadcasts = perSender / 10;
        long unicasts = perSender - 2 * broadcasts;
        for (int i = 0; i < ports; i++) {
            var c = sw.counters(i); // the switch also counted the learning broadcast before the start
            assertThat(c.rx()).isEqualTo(1 + perSender);
            assertThat(c.forwarded()).isEqualTo(unicasts);
            assertThat(c.flooded()).isEqualTo(1 + broadcasts);
            assertThat(c.filtered()).isEqualTo(broadcasts);
            assertThat(c.dropped()).isZero();
            // from the previous host: its unicasts; from each of the other three: their broadcasts
            long expected = unicasts + (ports - 1) * broadcasts;
            assertThat(h[i].count()).as("frames received by h%d", i).isEqualTo(expected);
            assertThat(c.tx()).isEqualTo(expected + (ports - 1));
        }
        assertThat(sw.tableCounters().entries()).isEqualTo(ports);
    }

    @Test
    void twoSwitchesForwardingIntoEachOtherFromTwoThreadsDoNotDeadlock() {
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(15), () -> {
            EthernetSwitch left = new EthernetSwitch("left", 2, () -> System.nanoTime());
            EthernetSwitch right = new EthernetSwitch("right", 2, () -> System.nanoTime());
            RecordingConnector a = new RecordingConnector("a", false);
            RecordingConnector b = new RecordingConnector("b", false);
            left.plug(0, a);
            right.plug(0, b);
            Cable.connect(left.port(1), right.port(1));
            int n = 50_000;
            Thread ta = Thread.ofPlatform().start(() -> {
                byte[] f = Frames.numbered(BROADCAST, mac(1), 0, 60);
                for (int i = 0; i < n; i++) {
                    a.transmit(f);
                }
            });
            Thread tb = Thread.ofPlatform().start(() -> {
                byte[] f = Frames.numbered(BROADCAST, mac(2), 0, 60);
                for (int i = 0; i < n; i++) {
                    b.transmit(f);
                }
            });
            ta.join();
            tb.join();
            assertThat(a.count()).isEqualTo(n);
            assertThat(b.count()).isEqualTo(n);
        });
    }
}
