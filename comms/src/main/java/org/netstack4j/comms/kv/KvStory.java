package org.netstack4j.comms.kv;

import org.netstack4j.comms.ClientConfig;
import org.netstack4j.comms.ClientEvent;
import org.netstack4j.comms.NetstackTransport;
import org.netstack4j.comms.RequestClient;
import org.netstack4j.comms.RequestServer;
import org.netstack4j.comms.RequestTimeoutException;
import org.netstack4j.comms.ServerConfig;
import org.netstack4j.comms.ServerEvent;
import org.netstack4j.comms.Transport;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Applications;
import org.netstack4j.lab.Network;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * The seed's story, run against the comms library: a key-value server whose workers are slow
 * and never stop early, and a web host whose short-lived "CGI" clients each make one put and are
 * killed (their connection reset) when the web server's timeout passes, while databases are
 * opened, written and closed in the same process all the time. Each CGI slot binds the lowest
 * local port it can, so the client after a killed one comes back on the killed one's very
 * addresses and ports: a server that wrote a late answer by address, or by a reused descriptor
 * number, would deliver it there. At the end every database is checked, every acknowledged put
 * looked up, and every answer a client got was checked to be its own.
 */
public final class KvStory {
    public static final String SERVER = "10.0.2.2";
    public static final String WEB = "10.0.2.15";
    public static final int PORT = 7000;
    private static final int FIRST_LOCAL_PORT = 40_000;
    private static final int PORTS_PER_SLOT = 128;
    private static final String[] NAMESPACES = {"users", "orders", "sessions", "audit"};

    /**
     * What to run: {@code slots} CGI slots each making {@code invocations} CGIs one after another;
     * the web server kills a CGI after {@code killAfter}; a worker takes between 0 and
     * {@code maxDelay} per request (so some answers come after their client is gone);
     * {@code workers} and {@code queue} bound the server.
     */
    public record Plan(long seed, boolean simulated, int slots, int invocations, Duration killAfter,
                       Duration maxDelay, int workers, int queue) {
        public static Plan standard(long seed, boolean simulated) {
            return new Plan(seed, simulated, 8, 25, Duration.ofMillis(100), Duration.ofMillis(150), 8, 32);
        }

        public Plan withSize(int slots, int invocations) {
            return new Plan(seed, simulated, slots, invocations, killAfter, maxDelay, workers, queue);
        }
    }

    /** What happened; {@link #toMap()} is the {@code kv demo --json} object. */
    public record Result(Plan plan, String integrity, int databasesChecked, long acknowledgedPuts, long putsPresent,
                         long lateAnswersDiscarded, long misdelivered, long killedClients, long reusedFourTuples,
                         long busy, long churnDatabases, long verifiedGets, Map<String, Long> server,
                         Map<String, Long> clients, boolean buffersBack) {
        public boolean sound() {
            return integrity.equals("ok") && putsPresent == acknowledgedPuts && misdelivered == 0 && buffersBack;
        }

        Result withBuffersBack(boolean back) {
            return new Result(plan, integrity, databasesChecked, acknowledgedPuts, putsPresent, lateAnswersDiscarded,
                    misdelivered, killedClients, reusedFourTuples, busy, churnDatabases, verifiedGets, server, clients, back);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seed", plan.seed());
            m.put("time", plan.simulated() ? "simulated" : "real");
            m.put("integrity", integrity);
            m.put("databases_checked", databasesChecked);
            m.put("acknowledged_puts", acknowledgedPuts);
            m.put("puts_present", putsPresent);
            m.put("late_answers_discarded", lateAnswersDiscarded);
            m.put("misdelivered", misdelivered);
            m.put("killed_clients", killedClients);
            m.put("reused_four_tuples", reusedFourTuples);
            m.put("busy", busy);
            m.put("verified_gets", verifiedGets);
            m.put("churn_databases", churnDatabases);
            m.put("buffers_back", buffersBack);
            m.put("server", server);
            m.put("clients", clients);
            return m;
        }
    }

    private KvStory() {
    }

    /** Runs the story with its databases under {@code dir}; {@code progress} hears each finished CGI slot. */
    public static Result run(Plan plan, Path dir, IntConsumer progress) throws Exception {
        Network net = plan.simulated() ? Network.simulated(plan.seed()) : Network.real(plan.seed());
        Network.Node server = net.addHost("kv", MacAddress.parse("52:55:0a:00:02:02"), SERVER + "/24",
                WakeMode.NAPI, HostConfig.DEFAULT);
        Network.Node web = net.addHost("web", MacAddress.parse("52:54:00:12:34:56"), WEB + "/24",
                WakeMode.NAPI, HostConfig.DEFAULT);
        net.cable(web, server);
        net.start();
        Applications apps = net.applications();
        Transport serverSide = new NetstackTransport(server.host());
        Transport webSide = new NetstackTransport(web.host());
        Tally tally = new Tally();
        Result result;
        try (KvStore store = new KvStore(dir.resolve("kv"))) {
            long maxDelay = plan.maxDelay().toNanos();
            // A request's delay follows from its key and the seed: the same on any thread, in any order.
            KvService service = new KvService(store,
                    r -> new SplittableRandom(plan.seed() ^ Arrays.hashCode(r.key())).nextLong(maxDelay + 1), false);
            ServerConfig config = ServerConfig.defaults().withWorkers(plan.workers()).withQueueCapacity(plan.queue());
            RequestServer kv = net.run("kv-start", () -> RequestServer.start(serverSide, PORT, service, config));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong churned = new AtomicLong();
            AtomicLong finished = new AtomicLong();
            net.startApplication("db-churn", () -> {
                churn(apps, dir.resolve("churn"), plan.seed(), stop, churned);
                finished.incrementAndGet();
            });
            net.run("web", () -> {
                for (int s = 0; s < plan.slots(); s++) {
                    int slot = s;
                    apps.start("cgi-slot-" + s, () -> {
                        runSlot(plan, slot, webSide, tally);
                        progress.accept((int) finished.incrementAndGet());
                    });
                }
                awaitCount(apps, finished, plan.slots());
                // The slow workers finish what they took: their answers are the late ones the story is about.
                apps.sleepUntil(apps.clock().nanos() + maxDelay * (plan.queue() / plan.workers() + 2));
                stop.set(true);
                awaitCount(apps, finished, plan.slots() + 1);
                kv.close();
                return null;
            });
            result = finish(plan, dir, store, kv, tally, churned.get());
        } finally {
            net.close();
        }
        return result.withBuffersBack(net.poolsFull());
    }

    /** Waits until {@code count} reaches {@code n}, looking each (simulated) millisecond: few threads, a short story. */
    private static void awaitCount(Applications apps, AtomicLong count, long n) {
        while (count.get() < n) {
            apps.block(apps.clock().nanos() + 1_000_000L);
        }
    }

    /** What the CGIs saw, across slots. */
    private static final class Tally {
        final Map<String, byte[]> acknowledged = new LinkedHashMap<>();
        final Map<String, Long> clientCounts = new LinkedHashMap<>();
        long killed;
        long reused;
        long busy;
        long misdelivered;
        long verifiedGets;

        private final java.util.Set<Integer> slotsJustKilled = new java.util.HashSet<>();

        synchronized void add(Map<String, Long> counts, long misdeliveredAnswers) {
            counts.forEach((k, v) -> clientCounts.merge(k, v, Long::sum));
            misdelivered += misdeliveredAnswers;
        }

        synchronized void reused() {
            reused++;
        }

        synchronized boolean killedLast(int slot) {
            return slotsJustKilled.contains(slot);
        }

        synchronized void killed(int slot, boolean killed) {
            if (killed) {
                slotsJustKilled.add(slot);
            } else {
                slotsJustKilled.remove(slot);
            }
        }
    }

    /** One web server slot: CGI after CGI, each a fresh process with one put (and now and then a get). */
    private static void runSlot(Plan plan, int slot, Transport web, Tally tally) {
        SplittableRandom random = new SplittableRandom(plan.seed() * 31 + slot);
        int firstPort = FIRST_LOCAL_PORT + slot * PORTS_PER_SLOT;
        int next = 0; // the slot's port to try first: the same one after a kill, the next after a clean exit
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < plan.invocations(); i++) {
            String ns = NAMESPACES[random.nextInt(NAMESPACES.length)];
            String key = "slot" + slot + "-cgi" + i;
            byte[] value = new byte[16 + random.nextInt(48)];
            random.nextBytes(value);
            boolean afterKill = i > 0 && next >= 0 && tally.killedLast(slot);
            for (int tries = 0; tries < PORTS_PER_SLOT; tries++) {
                int port = firstPort + (next + tries) % PORTS_PER_SLOT;
                ClientConfig cfg = ClientConfig.defaults().withLocalPort(port).withRetries(0)
                        .withRequestTimeout(plan.killAfter());
                try (KvClient cgi = new KvClient(new RequestClient(web, SERVER, PORT, cfg))) {
                    Outcome o = invoke(cgi, ns, key, value, random, mine, tally);
                    if (o == Outcome.PORT_IN_USE) {
                        continue; // that 4-tuple is still in use (TIME-WAIT after a clean exit): the next port
                    }
                    tally.add(cgi.requests().counts().toMap(), cgi.misdelivered());
                    if (afterKill && tries == 0) {
                        tally.reused(); // the killed CGI's very 4-tuple, opened again at once
                    }
                    if (o == Outcome.ACKNOWLEDGED) {
                        mine.add(ns + "/" + key);
                    }
                    tally.killed(slot, o == Outcome.KILLED);
                    next = (next + tries + (o == Outcome.KILLED ? 0 : 1)) % PORTS_PER_SLOT;
                    break;
                }
            }
        }
    }

    private enum Outcome { ACKNOWLEDGED, KILLED, BUSY, PORT_IN_USE }

    private static Outcome invoke(KvClient cgi, String ns, String key, byte[] value, SplittableRandom random,
                                  List<String> mine, Tally tally) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        try {
            cgi.put(ns, k, value);
            synchronized (tally) {
                tally.acknowledged.put(ns + "/" + key, value);
            }
            if (!mine.isEmpty() && random.nextInt(4) == 0) {
                String earlier = mine.get(random.nextInt(mine.size()));
                int slash = earlier.indexOf('/');
                byte[] got = cgi.get(earlier.substring(0, slash), earlier.substring(slash + 1).getBytes(StandardCharsets.UTF_8));
                byte[] expected;
                synchronized (tally) {
                    expected = tally.acknowledged.get(earlier);
                    if (Arrays.equals(got, expected)) {
                        tally.verifiedGets++;
                    } else {
                        tally.misdelivered++; // an answer that was not this key's value
                    }
                }
            }
            return Outcome.ACKNOWLEDGED;
        } catch (BindException inUse) {
            return Outcome.PORT_IN_USE;
        } catch (KvClient.KvException refused) {
            synchronized (tally) {
                tally.busy++;
            }
            return Outcome.BUSY;
        } catch (RequestTimeoutException killed) {
            synchronized (tally) {
                tally.killed++; // the client aborted its connection: a RST, as the killed CGI's kernel sends
            }
            return Outcome.KILLED;
        } catch (IOException failed) {
            throw new java.io.UncheckedIOException("a CGI failed otherwise than by being killed", failed);
        }
    }

    /** Opens, writes and closes scratch databases until told to stop: the rest of the process's file traffic. */
    private static void churn(Applications apps, Path dir, long seed, AtomicBoolean stop, AtomicLong count) {
        SplittableRandom random = new SplittableRandom(seed ^ 0xC4C4);
        try {
            Files.createDirectories(dir);
            for (long n = 0; !stop.get(); n++) {
                Path file = dir.resolve("scratch" + n % 8 + ".db");
                try (Connection c = KvStore.open(file);
                     Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER, v BLOB)");
                    s.execute("INSERT INTO t VALUES (" + n + ", randomblob(64))");
                }
                count.incrementAndGet();
                apps.sleepUntil(apps.clock().nanos() + 1_000_000L + random.nextLong(4_000_000L));
            }
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("the database churn failed: " + e, e);
        }
    }

    private static Result finish(Plan plan, Path dir, KvStore store, RequestServer kv, Tally tally, long churned)
            throws IOException, SQLException {
        long present = 0;
        for (Map.Entry<String, byte[]> e : tally.acknowledged.entrySet()) {
            int slash = e.getKey().indexOf('/');
            byte[] stored = store.get(e.getKey().substring(0, slash),
                    e.getKey().substring(slash + 1).getBytes(StandardCharsets.UTF_8));
            if (Arrays.equals(stored, e.getValue())) {
                present++;
            }
        }
        store.close();
        List<Path> databases = new ArrayList<>();
        for (String sub : List.of("kv", "churn")) {
            try (var files = Files.list(dir.resolve(sub))) {
                files.filter(p -> p.toString().endsWith(".db")).sorted().forEach(databases::add);
            }
        }
        List<String> bad = new ArrayList<>();
        for (Path db : databases) {
            String verdict = KvStore.integrityCheck(db);
            if (!verdict.equals("ok")) {
                bad.add(db.getFileName() + ": " + verdict);
            }
        }
        Map<String, Long> server = kv.counts().toMap();
        long misdelivered = tally.misdelivered + tally.clientCounts.getOrDefault(
                ClientEvent.MISDELIVERED.name().toLowerCase(), 0L);
        return new Result(plan, bad.isEmpty() ? "ok" : String.join("; ", bad), databases.size(),
                tally.acknowledged.size(), present, server.get(ServerEvent.LATE_ANSWERS_DISCARDED.name().toLowerCase()),
                misdelivered, tally.killed, tally.reused, tally.busy, churned, tally.verifiedGets, server,
                new java.util.TreeMap<>(tally.clientCounts), false);
    }
}
