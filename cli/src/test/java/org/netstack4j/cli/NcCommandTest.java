package org.netstack4j.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.netstack4j.lab.Closer;
import org.netstack4j.lab.Netns;
import org.netstack4j.lab.RealPeers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code nc} as processes: two of them on a switch in a third exchange a few hundred KB each way
 * at once, byte-exact, each half-closing at the end of its input; a connect to a closed port
 * says "Connection refused" and exits 1; bad arguments exit 2. Over TAP, Linux's own nc (or
 * socat) is the other end.
 */
@Timeout(120)
class NcCommandTest {
    @TempDir
    Path dir;

    private final Closer open = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        open.close();
    }

    /** A switch process on a Unix socket in the test's directory; its address. */
    private String startSwitch() throws Exception {
        CliProcess sw = CliProcess.start("switch", "switch", "--listen", "unix:" + dir.resolve("lab.sock"));
        open.add(sw);
        String listening = sw.awaitLine(l -> l.startsWith("switch: listening on "), Duration.ofSeconds(20));
        return listening.substring("switch: listening on ".length());
    }

    /** {@code netstack4j nc ARGS} with stdin from {@code in} and stdout into {@code out}. */
    private static Process nc(Path in, Path out, Path err, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "nc"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
    }

    private Path file(String name, int size, long seed) throws IOException {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return Files.write(dir.resolve(name), b);
    }

    private static byte[] sha(Path p) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
    }

    private static int await(Process p, Path err) throws Exception {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("nc did not finish: " + Files.readString(err));
        }
        return p.exitValue();
    }

    @Test
    void twoNcProcessesOnTheSwitchExchangeBothWaysByteExactAndHalfClose() throws Exception {
        String address = startSwitch();
        Path fromServer = file("server-in", 300_000, 1);
        Path fromClient = file("client-in", 400_000, 2);
        Path serverOut = dir.resolve("server-out");
        Path clientOut = dir.resolve("client-out");
        Process server = nc(fromServer, serverOut, dir.resolve("server-err"), "-l", "5000", "--switch", address,
                "--ip", "10.0.2.2/24", "--mac", "52:55:0a:00:02:02");
        Thread.sleep(1500); // the listener's JVM starts; a connect before it listens is refused and retried below
        Process client = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            client = nc(fromClient, clientOut, dir.resolve("client-err"), "-w", "30", "--switch", address,
                    "--ip", "10.0.2.15/24", "10.0.2.2", "5000");
            int status = await(client, dir.resolve("client-err"));
            if (status == 0 || !Files.readString(dir.resolve("client-err")).contains("Connection refused")) {
                assertThat(status).as(Files.readString(dir.resolve("client-err"))).isZero();
                break;
            }
            Thread.sleep(1000);
        }
        assertThat(await(server, dir.resolve("server-err"))).as(Files.readString(dir.resolve("server-err"))).isZero();
        assertThat(sha(serverOut)).as("what the client sent, at the server").isEqualTo(sha(fromClient));
        assertThat(sha(clientOut)).as("what the server sent, at the client").isEqualTo(sha(fromServer));
    }

    @Test
    void aClosedPortIsRefusedWithOneLineAndStatusOne() throws Exception {
        String address = startSwitch();
        CliProcess up = CliProcess.start("up", "up", "--switch", address, "--ip", "10.0.2.2/24", "--mac", "52:55:0a:00:02:02");
        open.add(up);
        up.awaitLine(l -> l.startsWith("up: "), Duration.ofSeconds(20));
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        Process p = nc(empty, dir.resolve("out"), dir.resolve("err"), "-w", "10", "--switch", address, "--ip",
                "10.0.2.15/24", "10.0.2.2", "81");
        assertThat(await(p, dir.resolve("err"))).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("err")).strip())
                .isEqualTo("nc: connect to 10.0.2.2 port 81 (tcp) failed: Connection refused");
        // The echo service on port 7 of the same host answers what we send.
        Path hello = Files.writeString(dir.resolve("hello"), "hello, echo\n");
        Process e = nc(hello, dir.resolve("echoed"), dir.resolve("err2"), "-w", "10", "--switch", address, "--ip",
                "10.0.2.15/24", "10.0.2.2", "7");
        assertThat(await(e, dir.resolve("err2"))).as(Files.readString(dir.resolve("err2"))).isZero();
        assertThat(Files.readString(dir.resolve("echoed"))).isEqualTo("hello, echo\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nc", "nc 10.0.2.2", "nc -l", "nc -l 1 2", "nc 10.0.2.2 0", "nc 10.0.2.2 70000",
            "nc example 80", "nc 10.0.2.2 80", "nc --switch unix:/x -w 0 10.0.2.2 80"})
    void badArgumentsExit2WithOneLine(String args) {
        MainTest.Run r = MainTest.run(args.split(" "));
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).hasSize(1).first().asString().startsWith("netstack4j nc").doesNotContain("Exception");
    }

    @Test
    void linuxsNcAndOursOverTap() throws Exception {
        RealPeers.require("socat", "ip", "sh");
        try (Netns ns = Netns.create()) {
            String tap = Netns.newInterfaceName();
            ns.ip("tuntap", "add", "dev", tap, "mode", "tap");
            ns.ip("addr", "add", "10.0.2.2/24", "dev", tap);
            ns.ip("link", "set", tap, "up");
            Path ours = file("ours-in", 250_000, 4);
            Path linuxGot = dir.resolve("linux-got");
            Netns.Background linux = ns.start(RealPeers.find("socat"), "-u", "TCP4-LISTEN:5001,reuseaddr",
                    "OPEN:" + linuxGot + ",creat,trunc");
            Thread.sleep(300);
            List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns.name(),
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), "nc", "-w", "30", "--tap", tap,
                    "--ip", "10.0.2.15/24", "10.0.2.2", "5001"));
            Process p = new ProcessBuilder(command).redirectInput(ours.toFile()).redirectOutput(dir.resolve("nc-out").toFile())
                    .redirectError(dir.resolve("nc-err").toFile()).start();
            assertThat(await(p, dir.resolve("nc-err"))).as(Files.readString(dir.resolve("nc-err"))).isZero();
            Netns.Result done = linux.await(Duration.ofSeconds(30));
            assertThat(done.timedOut()).as(done.output()).isFalse();
            assertThat(sha(linuxGot)).as("Linux got what our nc read from stdin").isEqualTo(sha(ours));
        }
    }
}
