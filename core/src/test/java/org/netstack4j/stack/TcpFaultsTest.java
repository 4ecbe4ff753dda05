package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.FaultInjector;
import org.netstack4j.hw.link.FaultInjector.Rates;
import org.netstack4j.hw.link.Link;
import org.netstack4j.lab.Network;
import org.netstack4j.socket.TcpListener;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.stack.tcp.TcpConfig;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.lang.foreign.MemorySegment;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TCP between two hosts through a cable that misbehaves, in simulated time: seeded loss,
 * duplication, corruption, reordering and delay; a partition that heals; a peer that vanishes;
 * stream memory that runs short. Every transfer arrives byte-exact or the connection ends with a
 * clear error, and every buffer and stream chunk is back in its pool at the end.
 */
class TcpFaultsTest {
    private static final int SERVER = Ipv4Address.parseBits("10.0.2.2");
    private static final long SECOND = 1_000_000_000L;

    /** A cable direction that drops everything while cut. */
    private static final class Partition implements Link {
        private final Link inner;
        volatile boolean cut;
        long dropped;

        Partition(Link inner) {
            this.inner = inner;
        }

        @Override
        public void send(MemorySegment frame, long offset, int length) {
            if (cut) {
                dropped++;
                return;
            }
            inner.send(frame, offset, length);
        }
    }

    /** A wrapper that puts a {@link Partition} on each direction of a cable, into {@code sides}. */
    private static java.util.function.UnaryOperator<Link> partitions(List<Partition> sides) {
        return link -> {
            Partition p = new Partition(link);
            sides.add(p);
            return p;
        };
    }

    /** Two hosts, client (node 0) and server (node 1), on a cable that {@code wrap} acts on. */
    private static Network pair(long seed, HostConfig client, HostConfig server,
                                java.util.function.UnaryOperator<Link> wrap, Path capture) throws Exception {
        Network net = Network.simulated(seed);
        if (capture != null) {
            net.capture(capture);
        }
        Network.Node a = net.addHost("client", MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", WakeMode.NAPI, client);
        Network.Node b = net.addHost("server", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI, server);
        net.cable(a, b, wrap);
        net.start();
        return net;
    }

    /** A sink on the server's port 9: accepts one connection, hashes what it reads until the end. */
    private static AtomicReference<byte[]> startSink(Network net) throws Exception {
        return startSink(net, net.nodes().get(1).host());
    }

    /** A sink on port 9 of {@code server}: accepts one connection, hashes what it reads until the end. */
    static AtomicReference<byte[]> startSink(Network net, Host server) throws Exception {
        TcpListener l = net.run("listen", () -> TcpListener.listen(server, 9, 4));
        AtomicReference<byte[]> digest = new AtomicReference<>();
        net.startApplication("sink", () -> {
            try (TcpSocket s = l.accept(); l) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[16_384];
                int n;
                while ((n = s.read(buf)) >= 0) {
                    sha.update(buf, 0, n);
                }
                digest.set(sha.digest());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        return digest;
    }

    /**
     * Lets simulated time run until the sink has its digest: at most four simulated hours (20 %
     * loss each way puts TCP in its timeout regime, where a megabyte can take ten minutes; the
     * time is simulated, so waiting costs nothing).
     */
    private static void awaitDigest(Network net, AtomicReference<byte[]> digest) throws InterruptedException {
        for (int i = 0; i < 4 * 3600 && digest.get() == null; i++) {
            net.idle(SECOND);
        }
        net.idle(SECOND); // and the close to finish
    }

    private static byte[] data(int size, long seed) {
        byte[] d = new byte[size];
        new SplittableRandom(seed).nextBytes(d);
        return d;
    }

    private static byte[] sha(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    /** Sends {@code data} from the client to the sink and closes (an application of its own: see {@link #awaitDigest}). */
    private static void send(Network net, byte[] data) {
        Host client = net.nodes().get(0).host();
        net.startApplication("sender", () -> {
            try (TcpSocket s = TcpSocket.connect(client, SERVER, 9, Duration.ofSeconds(60))) {
                s.setTimeout(Duration.ofHours(4));
                for (int off = 0; off < data.length; off += 50_000) {
                    s.write(data, off, Math.min(50_000, data.length - off));
                }
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    /** Duplicated segments the receivers dropped as outside the window, over the seeds run so far. */
    private static long duplicatesDropped;

    private static Rates rates(int seed) {
        return Rates.NONE
                .withDrop((seed % 5) * 0.05) // 0, 5, 10, 15, 20 %
                .withDuplicate(0.02)
                .withCorrupt(0.01, 1) // one bit: what a checksum must catch (the model's wire has no Ethernet CRC)
                .withReorder(0.05, 300_000L)
                .withDelay(0.05, 200_000L, 200_000L);
    }

    /** One seeded transfer through a faulty cable; returns the injectors' counters, a→b then b→a. */
    private static List<FaultInjector.Counters> faultyTransfer(int seed, int size, Path capture) throws Exception {
        List<FaultInjector> injectors = new ArrayList<>();
        Network net = Network.simulated(seed);
        if (capture != null) {
            net.capture(capture);
        }
        // ARP asks ten times, not three: at 20 % loss each way three unanswered requests in a row
        // happen (1 in 20), and then the host gives up on the neighbour, as Linux would, with "host
        // unreachable" for the SYN that waited. This test is about TCP, not about that.
        HostConfig patientArp = HostConfig.builder().arpTimes(60 * SECOND, SECOND, 10, SECOND).build();
        Network.Node a = net.addHost("client", MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", WakeMode.NAPI,
                patientArp.withSeed(seed));
        Network.Node b = net.addHost("server", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI,
                patientArp.withSeed(seed + 1));
        net.cable(a, b, link -> {
            FaultInjector f = new FaultInjector(link, net.timeline(), rates(seed), seed * 10L + injectors.size());
            injectors.add(f);
            return f;
        });
        net.start();
        byte[] data = data(size, seed);
        AtomicReference<byte[]> got = startSink(net);
        send(net, data);
        awaitDigest(net, got);
        assertThat(got.get()).as("seed %d: byte-exact", seed).isEqualTo(sha(data));
        assertThat(a.host().counters().get(Counter.TCP_CURR_ESTAB)).as("seed %d: nothing stuck", seed).isZero();
        assertThat(b.host().counters().get(Counter.TCP_CURR_ESTAB)).isZero();
        duplicatesDropped += b.host().counters().get(Counter.TCP_OUT_OF_WINDOW_DROPPED);
        net.close();
        assertThat(net.poolsFull()).as("seed %d: every buffer and chunk back", seed).isTrue();
        List<FaultInjector.Counters> counters = new ArrayList<>();
        for (FaultInjector f : injectors) {
            f.close();
            assertThat(f.pool().isFull()).isTrue();
            counters.add(f.counters());
        }
        return counters;
    }

    /**
     * 200 seeds of 1 MB each by default (about 10 s); the full proof, 10 MB each, with
     * {@code -Dnetstack4j.tcpFaultBytes=10485760} (a few minutes).
     */
    @Test
    void transfersThroughASeededFaultyCableArriveByteExact() throws Exception {
        int size = Integer.getInteger("netstack4j.tcpFaultBytes", 1 << 20);
        int seeds = Integer.getInteger("netstack4j.tcpFaultSeeds", 200);
        long dropped = 0;
        long corrupted = 0;
        for (int seed = 0; seed < seeds; seed++) {
            for (FaultInjector.Counters c : faultyTransfer(seed, size, null)) {
                dropped += c.dropped();
                corrupted += c.corrupted();
            }
        }
        assertThat(dropped).as("the cable did lose frames").isPositive();
        assertThat(duplicatesDropped).as("duplicates arrived, were dropped and counted").isPositive();
        assertThat(corrupted).as("and corrupt them").isPositive();
    }

    @Test
    void theSameSeedGivesTheSameCapture() throws Exception {
        Path dir = Files.createTempDirectory("tcp-faults");
        try {
            faultyTransfer(7, 300_000, dir.resolve("a.pcap"));
            faultyTransfer(7, 300_000, dir.resolve("b.pcap"));
            byte[] first = Files.readAllBytes(dir.resolve("a.pcap"));
            assertThat(first.length).isGreaterThan(300_000);
            assertThat(Arrays.equals(first, Files.readAllBytes(dir.resolve("b.pcap")))).isTrue();
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    @Test
    void aPartitionThatHealsLosesNothing() throws Exception {
        List<Partition> sides = new ArrayList<>();
        Network net = pair(41, HostConfig.DEFAULT, HostConfig.DEFAULT, partitions(sides), null);
        byte[] data = data(2 << 20, 41);
        AtomicReference<byte[]> got = startSink(net);
        Host client = net.nodes().get(0).host();
        var apps = net.applications();
        // Half the data goes through; then the cable is cut for 20 s (RTO backs off to seconds) and heals.
        net.startApplication("sender", () -> {
            try (TcpSocket s = TcpSocket.connect(client, SERVER, 9, Duration.ofSeconds(60))) {
                s.setTimeout(Duration.ofSeconds(600));
                s.write(data, 0, data.length / 2);
                sides.forEach(p -> p.cut = true);
                long cutAt = apps.clock().nanos();
                net.startApplication("healer", () -> {
                    sleepUntil(apps, cutAt + 20 * SECOND);
                    sides.forEach(p -> p.cut = false);
                });
                s.write(data, data.length / 2, data.length - data.length / 2);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        });
        awaitDigest(net, got);
        assertThat(got.get()).isEqualTo(sha(data));
        assertThat(sides.stream().mapToLong(p -> p.dropped).sum()).as("the partition did cut").isPositive();
        assertThat(client.counters().get(Counter.TCP_RETRANS_SEGS)).isPositive();
        assertThat(apps.clock().nanos()).as("it waited out the partition").isGreaterThan(20 * SECOND);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    private static void sleepUntil(org.netstack4j.exec.Applications apps, long at) {
        while (apps.clock().nanos() < at) {
            apps.block(at);
        }
    }

    @Test
    void aPeerThatVanishesIsFoundByKeepaliveAndTheReaderGetsAClearError() throws Exception {
        List<Partition> sides = new ArrayList<>();
        HostConfig probing = HostConfig.builder().tcp(TcpConfig.DEFAULT.withKeepAlive(30 * SECOND, 5 * SECOND, 4)).build();
        Network net = pair(42, probing, HostConfig.DEFAULT, partitions(sides), null);
        Host client = net.nodes().get(0).host();
        Host server = net.nodes().get(1).host();
        TcpListener l = net.run("listen", () -> TcpListener.listen(server, 9, 4));
        net.startApplication("quiet-server", () -> {
            try {
                TcpSocket s = l.accept();
                sides.forEach(p -> p.cut = true); // the server's machine is switched off: nothing more is heard
                s.read(new byte[1]);
            } catch (java.io.IOException stopped) {
                // the network is closed under it at the end
            }
        });
        long[] failedAfter = {0};
        Throwable t = net.run("reader", () -> {
            TcpSocket s = TcpSocket.connect(client, SERVER, 9, Duration.ofSeconds(5));
            long start = net.applications().clock().nanos();
            try {
                s.read(new byte[100]); // blocks: the peer says nothing, ever
                return null;
            } catch (SocketException e) {
                failedAfter[0] = net.applications().clock().nanos() - start;
                return e;
            } finally {
                s.close();
            }
        });
        assertThat(t).isInstanceOf(SocketException.class).hasMessageContaining("timed out");
        // 30 s of silence, then 4 probes 5 s apart, the last unanswered for 5 s more.
        assertThat(failedAfter[0]).isBetween(49 * SECOND, 51 * SECOND);
        assertThat(client.counters().get(Counter.TCP_CURR_ESTAB)).isZero();
        net.run("unlisten", () -> {
            l.close();
            return null;
        });
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void aWriterWhosePeerVanishedIsStoppedByTheUserTimeout() throws Exception {
        List<Partition> sides = new ArrayList<>();
        Network net = pair(43, HostConfig.DEFAULT, HostConfig.DEFAULT, partitions(sides), null);
        Host client = net.nodes().get(0).host();
        startSink(net);
        Throwable t = net.run("writer", () -> {
            TcpSocket s = TcpSocket.connect(client, SERVER, 9, Duration.ofSeconds(5));
            s.setUserTimeout(Duration.ofSeconds(10));
            sides.forEach(p -> p.cut = true);
            byte[] chunk = new byte[64 * 1024];
            try {
                for (int i = 0; i < 100; i++) { // more than the buffers hold: the writer must wait, then fail
                    s.write(chunk);
                }
                return null;
            } catch (SocketException e) {
                return e;
            } finally {
                s.close();
            }
        });
        assertThat(t).isInstanceOf(SocketException.class).hasMessageContaining("timed out");
        assertThat(net.applications().clock().nanos()).as("the user timeout, not minutes of retransmissions")
                .isLessThan(20 * SECOND);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void whenStreamMemoryRunsShortTransfersSlowDownButAllArriveByteExact() throws Exception {
        // 256 KB of stream memory per host for four 256 KB windows at once: far less than they would take.
        HostConfig tight = HostConfig.builder().streamMemoryBytes(256 * 1024).build();
        Network net = pair(44, tight, tight, l -> l, null);
        Host client = net.nodes().get(0).host();
        Host server = net.nodes().get(1).host();
        TcpListener l = net.run("listen", () -> TcpListener.listen(server, 9, 8));
        int streams = 4;
        List<AtomicReference<byte[]>> digests = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            AtomicReference<byte[]> d = new AtomicReference<>();
            digests.add(d);
        }
        net.startApplication("acceptor", () -> {
            try {
                for (int i = 0; i < streams; i++) {
                    TcpSocket s = l.accept();
                    net.startApplication("sink-" + i, () -> {
                        try (s) {
                            MessageDigest sha = MessageDigest.getInstance("SHA-256");
                            byte[] first = new byte[1];
                            int which = s.read(first) < 0 ? -1 : first[0];
                            byte[] buf = new byte[4096];
                            int n;
                            while ((n = s.read(buf)) >= 0) {
                                sha.update(buf, 0, n);
                            }
                            digests.get(which).set(sha.digest());
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    });
                }
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        });
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            byte[] p = data(1 << 20, 100 + i);
            payloads.add(p);
            int which = i;
            net.startApplication("writer-" + i, () -> {
                try (TcpSocket s = TcpSocket.connect(client, SERVER, 9, Duration.ofSeconds(10))) {
                    s.setTimeout(Duration.ofSeconds(300));
                    s.write(new byte[] {(byte) which});
                    s.write(p);
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            });
        }
        net.idle(120 * SECOND);
        for (int i = 0; i < streams; i++) {
            assertThat(digests.get(i).get()).as("stream %d", i).isEqualTo(sha(payloads.get(i)));
        }
        long refused = client.counters().get(Counter.TCP_MEMORY_REFUSED) + server.counters().get(Counter.TCP_MEMORY_REFUSED);
        assertThat(refused).as("memory did run short").isPositive();
        assertThat(server.counters().get(Counter.TCP_NO_MEMORY_DROPPED)).as("data in dropped for it, counted").isPositive();
        assertThat(client.tcp().memory().peakInUse()).isLessThanOrEqualTo(64);
        net.run("unlisten", () -> {
            l.close();
            return null;
        });
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }
}
