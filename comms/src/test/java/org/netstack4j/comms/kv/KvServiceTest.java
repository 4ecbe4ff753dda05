package org.netstack4j.comms.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netstack4j.comms.ClientConfig;
import org.netstack4j.comms.CommsLab;
import org.netstack4j.comms.Frame;
import org.netstack4j.comms.JdkTransport;
import org.netstack4j.comms.RequestClient;
import org.netstack4j.comms.RequestServer;
import org.netstack4j.comms.ServerConfig;
import org.netstack4j.comms.ServerEvent;
import org.netstack4j.exec.Applications;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The key-value service end to end: over netstack4j TCP in simulated time, and over the JDK's sockets. */
class KvServiceTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Every operation once, and the verdicts for requests the service cannot take. */
    private static void exercise(KvClient kv, RequestClient raw) throws Exception {
        assertThat(kv.get("users", b("ada"))).isNull();
        kv.put("users", b("ada"), b("lovelace"));
        kv.put("users", b("alan"), b("turing"));
        kv.put("users", b("grace"), b("hopper"));
        kv.put("orders", b("ada"), b("an engine"));
        assertThat(kv.get("users", b("ada"))).isEqualTo(b("lovelace"));
        kv.put("users", b("ada"), b("byron"));
        assertThat(kv.get("users", b("ada"))).as("a put replaces").isEqualTo(b("byron"));
        assertThat(kv.get("orders", b("ada"))).as("namespaces are apart").isEqualTo(b("an engine"));
        List<KvProtocol.Entry> scan = kv.scan("users", b("al"), 10);
        assertThat(scan).extracting(e -> new String(e.key(), StandardCharsets.UTF_8)).containsExactly("alan", "grace");
        assertThat(kv.scan("users", new byte[0], 2)).hasSize(2);
        assertThat(kv.delete("users", b("alan"))).isTrue();
        assertThat(kv.delete("users", b("alan"))).isFalse();
        assertThat(kv.get("users", b("alan"))).isNull();
        assertThatThrownBy(() -> kv.put("Users/../x", b("k"), b("v"))).isInstanceOf(IllegalArgumentException.class);
        byte[] badNamespace = KvProtocol.get("users", b("k"));
        badNamespace[2] = '/'; // "/sers": a file name escape the client would not send
        assertThat(raw.call(badNamespace, true).status()).isEqualTo(Frame.Status.BAD_REQUEST);
        assertThat(raw.call(new byte[] {9}, true).status()).isEqualTo(Frame.Status.BAD_REQUEST);
        byte[] trailing = java.util.Arrays.copyOf(KvProtocol.get("users", b("k")), 20);
        assertThat(raw.call(trailing, true).status()).isEqualTo(Frame.Status.BAD_REQUEST);
    }

    private static void assertFiles(Path dir) throws Exception {
        assertThat(dir.resolve("users.db")).exists();
        assertThat(dir.resolve("orders.db")).exists();
        try (var c = KvStore.open(dir.resolve("users.db"));
             var s = c.createStatement(); var rs = s.executeQuery("PRAGMA journal_mode")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("wal");
        }
        assertThat(KvStore.integrityCheck(dir.resolve("users.db"))).isEqualTo("ok");
        assertThat(KvStore.integrityCheck(dir.resolve("orders.db"))).isEqualTo("ok");
    }

    @Test
    void everyOperationOverNetstack4jInSimulatedTime(@TempDir Path dir) throws Exception {
        CommsLab lab = new CommsLab(11);
        KvStore store = new KvStore(dir);
        RequestServer server = lab.serve(new KvService(store), ServerConfig.defaults());
        lab.net.run("client", () -> {
            try (KvClient kv = new KvClient(lab.client(ClientConfig.defaults()));
                 RequestClient raw = lab.client(ClientConfig.defaults())) {
                exercise(kv, raw);
                assertThat(kv.misdelivered()).isZero();
            }
            server.close();
            return null;
        });
        assertThat(server.counts().get(ServerEvent.BAD_REQUESTS)).isEqualTo(3);
        assertThat(store.namespaces()).containsExactly("orders", "users");
        store.close();
        assertFiles(dir);
        assertThat(lab.closeAndCheckPools()).isTrue();
    }

    @Test
    void everyOperationOverTheJdksSocketsOnLoopback(@TempDir Path dir) throws Exception {
        Applications apps = Applications.real();
        JdkTransport jdk = new JdkTransport(apps, "127.0.0.1");
        try (KvStore store = new KvStore(dir);
             RequestServer server = RequestServer.start(jdk, 0, new KvService(store), ServerConfig.defaults());
             KvClient kv = new KvClient(new RequestClient(jdk, "127.0.0.1", server.port(), ClientConfig.defaults()));
             RequestClient raw = new RequestClient(jdk, "127.0.0.1", server.port(), ClientConfig.defaults())) {
            exercise(kv, raw);
            assertThat(server.counts().get(ServerEvent.BAD_REQUESTS)).isEqualTo(3);
        }
        assertFiles(dir);
        apps.failures().throwIfAny();
    }
}
