package org.netstack4j.nio.unmodified;

import com.sun.net.httpserver.HttpServer;
import org.netstack4j.nio.examples.HelloHttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Netns;
import org.netstack4j.lab.RealPeers;
import org.netstack4j.lab.TapLab;
import org.netstack4j.nio.NetstackSelectorProvider;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unmodified programs on netstack4j, installed as the JVM's SelectorProvider (this test class
 * runs in a JVM started with -Djava.nio.channels.spi.SelectorProvider), on a TAP device in a
 * namespace the test makes, reached from Linux: the JDK's HttpServer and a Netty HTTP server
 * answer curl, and the JDK's HttpClient fetches from Linux's python http.server.
 */
@Timeout(120)
class UnmodifiedProgramsTest {
    private static final Duration T = Duration.ofSeconds(30);
    private TapLab lab;

    @BeforeEach
    void up() throws Exception {
        RealPeers.require("curl", "python3");
        assertThat(SelectorProvider.provider()).as("the JVM's provider is netstack4j's")
                .isInstanceOf(NetstackSelectorProvider.class);
        lab = TapLab.create();
        NetstackSelectorProvider.install(lab.startHost(TapLab.hostOptions(WakeMode.NAPI)).host());
    }

    @AfterEach
    void down() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    private Netns.Result curl(String... args) throws Exception {
        String[] cmd = new String[args.length + 4];
        cmd[0] = "curl";
        cmd[1] = "-sS";
        cmd[2] = "--max-time";
        cmd[3] = "10";
        System.arraycopy(args, 0, cmd, 4, args.length);
        return lab.ns().exec(T, cmd);
    }

    @Test
    void theJdksHttpServerAnswersCurl() throws Exception {
        HttpServer server = HelloHttpServer.start(8080);
        try {
            Netns.Result get = curl("http://" + TapLab.HOST_IP + ":8080/");
            assertThat(get.out()).as(get.output()).isEqualTo(HelloHttpServer.GREETING);
            byte[] data = new byte[1 << 20];
            new SplittableRandom(1).nextBytes(data);
            java.nio.file.Path file = lab.ns().dir().resolve("upload.bin");
            Files.write(file, data);
            Netns.Result post = lab.ns().exec(T, "sh", "-c", "curl -sS --max-time 20 --data-binary @" + file
                    + " http://" + TapLab.HOST_IP + ":8080/echo | sha256sum");
            assertThat(post.out()).as(post.output()).startsWith(sha256(data));
            for (int i = 0; i < 20; i++) {
                assertThat(curl("http://" + TapLab.HOST_IP + ":8080/").out()).isEqualTo(HelloHttpServer.GREETING);
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aNettyHttpServerAnswersCurl() throws Exception {
        try (NettyHttpServer server = new NettyHttpServer(8081)) {
            for (int i = 0; i < 20; i++) {
                Netns.Result get = curl("http://" + TapLab.HOST_IP + ":8081/");
                assertThat(get.out()).as(get.output()).isEqualTo(NettyHttpServer.GREETING);
            }
            Netns.Result post = curl("--data-binary", "a body for Netty", "http://" + TapLab.HOST_IP + ":8081/");
            assertThat(post.out()).as(post.output()).isEqualTo("a body for Netty");
        }
    }

    @Test
    void theJdksHttpClientFetchesFromLinux() throws Exception {
        byte[] data = new byte[300_000];
        new SplittableRandom(2).nextBytes(data);
        Files.write(lab.ns().dir().resolve("page.bin"), data);
        Netns.Background web = lab.ns().start("python3", "-m", "http.server", "--bind", TapLab.LINUX_IP, "--directory",
                lab.ns().dir().toString(), "8000");
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<byte[]> r = null;
            for (int attempt = 0; attempt < 50 && r == null; attempt++) { // until python listens
                try {
                    r = client.send(HttpRequest.newBuilder(URI.create("http://" + TapLab.LINUX_IP + ":8000/page.bin"))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
                } catch (java.net.ConnectException notYet) {
                    Thread.sleep(100);
                }
            }
            assertThat(r).as("python's server answered").isNotNull();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(sha256(r.body())).isEqualTo(sha256(data));
        } finally {
            web.stop();
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
