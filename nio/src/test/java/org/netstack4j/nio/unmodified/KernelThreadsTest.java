package org.netstack4j.nio.unmodified;

import org.junit.jupiter.api.Test;
import org.netstack4j.nio.NetstackSelectorProvider;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With netstack4j installed as the JVM's provider, the parts of a program the user names stay on
 * the kernel (its loopback): code run through runOnKernel, and threads named by
 * -Dnetstack4j.kernelThreads.
 */
class KernelThreadsTest {

    private static String loopbackEcho() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel c = SocketChannel.open(server.getLocalAddress()); SocketChannel s = server.accept();
                 Selector selector = Selector.open()) {
                c.write(ByteBuffer.wrap("over the kernel".getBytes()));
                ByteBuffer b = ByteBuffer.allocate(64);
                s.read(b);
                assertThat(selector.getClass().getName()).startsWith("sun.nio.ch.");
                return c.getClass().getName() + " " + new String(b.array(), 0, b.position());
            }
        }
    }

    @Test
    void codeTheUserKeepsOnTheKernelGetsTheJdksChannels() throws Exception {
        assertThat(SelectorProvider.provider()).isInstanceOf(NetstackSelectorProvider.class);
        AtomicReference<String> got = new AtomicReference<>();
        NetstackSelectorProvider.runOnKernel(() -> {
            try {
                got.set(loopbackEcho());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(got.get()).startsWith("sun.nio.ch.").endsWith("over the kernel");

        System.setProperty("netstack4j.kernelThreads", "jmx-,kernel-");
        try {
            AtomicReference<Object> named = new AtomicReference<>();
            Thread t = Thread.ofPlatform().name("kernel-worker").start(() -> {
                try {
                    named.set(loopbackEcho());
                } catch (Exception e) {
                    named.set(e);
                }
            });
            t.join();
            assertThat(named.get()).asString().startsWith("sun.nio.ch.").endsWith("over the kernel");
        } finally {
            System.clearProperty("netstack4j.kernelThreads");
        }
    }
}
