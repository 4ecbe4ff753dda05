package org.netstack4j.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.netstack4j.comms.kv.KvStore;
import org.netstack4j.lab.Closer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code kv}: the demo's verdict and JSON, and server and clients as separate processes on the switch. */
@Timeout(120)
class KvCommandTest {
    private static final Duration START = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final Closer open = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        open.close();
    }

    @Test
    void theDemoReportsTheStoryAsOneJsonObjectAndTheSameSeedGivesTheSameCounters() {
        MainTest.Run first = MainTest.run("kv", "demo", "--json", "--seed", "3", "--slots", "4", "--cgis", "15");
        assertThat(first.exit()).as(first.err()).isZero();
        Map<String, Object> m = MiniJsonParser.parseObject(first.out().strip());
        assertThat(m.get("integrity")).isEqualTo("ok");
        assertThat(m.get("misdelivered")).isEqualTo(0L);
        assertThat((Long) m.get("acknowledged_puts")).isPositive().isEqualTo(m.get("puts_present"));
        assertThat((Long) m.get("late_answers_discarded")).isPositive();
        assertThat(m).containsKeys("killed_clients", "reused_four_tuples", "server", "clients");
        MainTest.Run again = MainTest.run("kv", "demo", "--json", "--seed", "3", "--slots", "4", "--cgis", "15");
        assertThat(again.out()).isEqualTo(first.out());
        MainTest.Run text = MainTest.run("kv", "demo", "--seed", "3", "--slots", "4", "--cgis", "15");
        assertThat(text.out()).contains("answers delivered to the wrong client: 0", "all held");
    }

    @Test
    void badArgumentsGetOneLineAndStatusTwo() {
        for (String[] args : new String[][] {{"kv"}, {"kv", "demo", "--slots", "0"}, {"kv", "get", "Bad/Name", "k"},
                {"kv", "get", "users"}, {"kv", "serve", "--dir", dir.toString(), "--workers", "0"},
                {"kv", "bench", "--requests", "5"}, {"kv", "get", "--server", "nowhere", "users", "k"}}) {
            MainTest.Run r = MainTest.run(args);
            assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.err()).isEqualTo(2);
            assertThat(r.err().lines().findFirst().orElse("")).isNotBlank();
        }
    }

    private CliProcess start(String name, String... args) throws Exception {
        CliProcess p = CliProcess.start(name, args);
        open.add(p);
        return p;
    }

    private CliProcess client(String sw, String op, String... rest) throws Exception {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("kv", op, "--switch", sw, "--ip", "10.0.2.15/24"));
        all.addAll(java.util.List.of(rest));
        return start("kv-" + op, all.toArray(String[]::new));
    }

    @Test
    void aServerAndItsClientsAsProcessesOnTheSwitch() throws Exception {
        String sw = "unix:" + dir.resolve("kv.sock");
        CliProcess s = start("switch", "switch", "--listen", sw);
        s.awaitLine(l -> l.startsWith("switch: listening on "), START);
        CliProcess server = start("kv-serve", "kv", "serve", "--switch", sw, "--ip", "10.0.2.2/24", "--mac",
                "52:55:0a:00:02:02", "--dir", dir.resolve("db").toString());
        server.awaitLine(l -> l.contains("Ctrl-C to stop"), START);

        CliProcess put = client(sw, "put", "users", "ada", "lovelace");
        assertThat(put.await(WAIT)).as(put.transcript()).isZero();
        CliProcess put2 = client(sw, "put", "users", "alan", "turing");
        assertThat(put2.await(WAIT)).as(put2.transcript()).isZero();
        CliProcess get = client(sw, "get", "users", "ada");
        assertThat(get.await(WAIT)).as(get.transcript()).isZero();
        assertThat(get.out()).isEqualTo("lovelace");
        CliProcess scan = client(sw, "scan", "users");
        assertThat(scan.await(WAIT)).as(scan.transcript()).isZero();
        assertThat(scan.out()).isEqualTo("ada\tlovelace\nalan\tturing");
        CliProcess del = client(sw, "delete", "users", "ada");
        assertThat(del.await(WAIT)).as(del.transcript()).isZero();
        CliProcess missing = client(sw, "get", "users", "ada");
        assertThat(missing.await(WAIT)).as(missing.transcript()).isEqualTo(1);
        assertThat(missing.err()).contains("users/ada: not found");

        assertThat(server.stop(WAIT)).as(server.transcript()).isZero();
        assertThat(server.out()).contains("answered", "late_answers_discarded");
        assertThat(KvStore.integrityCheck(dir.resolve("db").resolve("users.db"))).isEqualTo("ok");
    }
}
