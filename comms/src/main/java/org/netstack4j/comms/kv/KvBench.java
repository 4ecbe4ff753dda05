package org.netstack4j.comms.kv;

import org.netstack4j.comms.ClientConfig;
import org.netstack4j.comms.JdkTransport;
import org.netstack4j.comms.NetstackTransport;
import org.netstack4j.comms.RequestClient;
import org.netstack4j.comms.RequestServer;
import org.netstack4j.comms.ServerConfig;
import org.netstack4j.comms.Transport;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Applications;
import org.netstack4j.lab.Network;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Small gets against the key-value service, measured in wall-clock time: {@code clients}
 * threads, each on its own reused connection, one get in flight each. The same library and
 * service run over netstack4j (two hosts in this JVM, on real threads or simulated on one) and
 * over the JDK's sockets on the kernel's loopback, so the figures compare the stacks only.
 */
public final class KvBench {
    public static final int VALUE_BYTES = 64;

    /** One configuration's figures; latencies in microseconds. */
    public record Figures(String stack, int clients, long requests, double seconds, double requestsPerSecond,
                          double p50Micros, double p99Micros, double p999Micros, double maxMicros) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stack", stack);
            m.put("clients", clients);
            m.put("requests", requests);
            m.put("seconds", seconds);
            m.put("requests_per_s", requestsPerSecond);
            m.put("p50_us", p50Micros);
            m.put("p99_us", p99Micros);
            m.put("p999_us", p999Micros);
            m.put("max_us", maxMicros);
            return m;
        }
    }

    private KvBench() {
    }

    /** netstack4j: two hosts on a cable in this JVM, on real threads woken as {@code mode}, or simulated. */
    public static Figures netstack4j(boolean simulated, WakeMode mode, int clients, int warmup, int measured)
            throws Exception {
        Network net = simulated ? Network.simulated(1) : Network.real(1);
        Network.Node server = net.addHost("kv", MacAddress.parse("52:55:0a:00:02:02"), KvStory.SERVER + "/24", mode,
                HostConfig.DEFAULT);
        Network.Node web = net.addHost("web", MacAddress.parse("52:54:00:12:34:56"), KvStory.WEB + "/24", mode,
                HostConfig.DEFAULT);
        net.cable(web, server);
        net.start();
        Path dir = Files.createTempDirectory("netstack4j-kv-bench");
        try {
            String name = "netstack4j " + (simulated ? "simulated, one thread" : "real threads, " + mode.cliName());
            return net.run("bench", () -> measure(name, new NetstackTransport(server.host()),
                    new NetstackTransport(web.host()), KvStory.SERVER, KvStory.PORT, dir, clients, warmup, measured));
        } finally {
            net.close();
            deleteTree(dir);
        }
    }

    /** The same library over the JDK's sockets and the kernel's loopback, on virtual threads. */
    public static Figures jdk(int clients, int warmup, int measured) throws Exception {
        Applications apps = Applications.real();
        JdkTransport jdk = new JdkTransport(apps, "127.0.0.1");
        Path dir = Files.createTempDirectory("netstack4j-kv-bench");
        try {
            Figures f = measure("JDK sockets, kernel loopback", jdk, jdk, "127.0.0.1", 0, dir, clients, warmup, measured);
            apps.failures().throwIfAny();
            return f;
        } finally {
            deleteTree(dir);
        }
    }

    /** Serves on {@code port} (0: any free one, where the transport allows it) and measures. */
    private static Figures measure(String name, Transport serverSide, Transport clientSide, String address, int port,
                                   Path dir, int clients, int warmup, int measured) throws Exception {
        Applications apps = clientSide.applications();
        try (KvStore store = new KvStore(dir);
             RequestServer server = RequestServer.start(serverSide, port, new KvService(store),
                     ServerConfig.defaults().withWorkers(Math.max(2, clients)).withQueueCapacity(4 * clients))) {
            byte[] key = "bench-key".getBytes();
            store.put("bench", key, new byte[VALUE_BYTES]);
            long[][] latencies = new long[clients][measured];
            AtomicLong finished = new AtomicLong();
            AtomicLong startedAt = new AtomicLong(Long.MAX_VALUE);
            AtomicLong endedAt = new AtomicLong();
            AtomicReference<IOException> failure = new AtomicReference<>();
            for (int c = 0; c < clients; c++) {
                long[] mine = latencies[c];
                apps.start("kv-bench-client-" + c, () -> {
                    try (KvClient kv = new KvClient(new RequestClient(clientSide, address, server.port(),
                            ClientConfig.defaults()))) {
                        for (int i = 0; i < warmup; i++) {
                            kv.get("bench", key);
                        }
                        startedAt.accumulateAndGet(System.nanoTime(), Math::min);
                        for (int i = 0; i < measured; i++) {
                            long t0 = System.nanoTime();
                            byte[] v = kv.get("bench", key);
                            mine[i] = System.nanoTime() - t0;
                            if (v == null || v.length != VALUE_BYTES) {
                                throw new IOException("a get came back wrong");
                            }
                        }
                        endedAt.accumulateAndGet(System.nanoTime(), Math::max);
                    } catch (IOException e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        finished.incrementAndGet();
                    }
                });
            }
            while (finished.get() < clients) {
                apps.sleepUntil(apps.clock().nanos() + 1_000_000L);
            }
            if (failure.get() != null) {
                throw failure.get();
            }
            long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
            double seconds = (endedAt.get() - startedAt.get()) / 1e9;
            return new Figures(name, clients, all.length, seconds, all.length / seconds, micros(all, 0.50),
                    micros(all, 0.99), micros(all, 0.999), all[all.length - 1] / 1e3);
        }
    }

    private static double micros(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e3;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
