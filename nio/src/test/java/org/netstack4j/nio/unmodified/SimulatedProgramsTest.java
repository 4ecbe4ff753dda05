package org.netstack4j.nio.unmodified;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.nio.NetstackSelectorProvider;
import org.netstack4j.nio.examples.NioEchoClient;
import org.netstack4j.nio.examples.NioEchoServer;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.MacAddress;

import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The testing use case: two unmodified NIO programs (a selector echo server and a blocking client,
 * written against SelectorProvider.provider() as any program is) talking inside one simulated
 * network from a seed. Run twice, they write byte-identical captures.
 */
class SimulatedProgramsTest {

    /** Runs both programs on a fresh simulated network from {@code seed}; returns what the client echoed. */
    private static long run(long seed, Path capture) throws Exception {
        Network net = Network.simulated(seed);
        net.capture(capture);
        Network.Node web = net.addHost("client", MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        Network.Node srv = net.addHost("server", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        net.cable(web, srv);
        net.start();
        AtomicLong echoed = new AtomicLong();
        try {
            net.run("programs", () -> {
                NetstackSelectorProvider.runOn(srv.host(), () -> net.startApplication("NioEchoServer", () -> {
                    try {
                        NioEchoServer.main(new String[] {"7", "1"});
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
                NetstackSelectorProvider.runOn(web.host(), () -> {
                    try {
                        echoed.set(NioEchoClient.run("10.0.2.2", 7, 60));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                return null;
            });
        } finally {
            net.close();
        }
        assertThat(net.poolsFull()).as("every buffer back").isTrue();
        return echoed.get();
    }

    @Test
    void twoUnmodifiedProgramsInASimulatedNetworkWriteTheSameCaptureTwice(@TempDir Path dir) throws Exception {
        assertThat(SelectorProvider.provider()).isInstanceOf(NetstackSelectorProvider.class);
        long first = run(5, dir.resolve("one.pcap"));
        long second = run(5, dir.resolve("two.pcap"));
        assertThat(first).as("the client's echoes").isPositive().isEqualTo(second);
        byte[] a = Files.readAllBytes(dir.resolve("one.pcap"));
        assertThat(a.length).isGreaterThan(100_000);
        assertThat(Files.readAllBytes(dir.resolve("two.pcap"))).as("byte-identical captures").isEqualTo(a);
    }
}
