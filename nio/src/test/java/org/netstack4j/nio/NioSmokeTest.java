package org.netstack4j.nio;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The provider's first breath: a blocking echo and a selector-driven exchange between two hosts. */
class NioSmokeTest {

    @Test
    void aBlockingEchoAndASelectorInSimulatedTime() throws Exception {
        try (NetstackEndpoints e = new NetstackEndpoints(true, 1)) {
            String got = e.run(() -> {
                ServerSocketChannel server = e.server().openServerSocketChannel();
                server.bind(new InetSocketAddress(e.serverAddress(), 7000));
                e.start("echo", () -> {
                    try (SocketChannel s = server.accept()) {
                        ByteBuffer b = ByteBuffer.allocate(1024);
                        while (s.read(b) >= 0) {
                            b.flip();
                            s.write(b);
                            b.clear();
                        }
                    } catch (java.io.IOException ex) {
                        throw new java.io.UncheckedIOException(ex);
                    }
                });
                SocketChannel c = e.client().openSocketChannel();
                c.configureBlocking(false);
                Selector sel = e.client().openSelector();
                c.connect(new InetSocketAddress(e.serverAddress(), 7000));
                SelectionKey k = c.register(sel, SelectionKey.OP_CONNECT);
                assertThat(sel.select(5000)).isEqualTo(1);
                assertThat(c.finishConnect()).isTrue();
                k.interestOps(SelectionKey.OP_WRITE);
                assertThat(sel.select(5000)).isEqualTo(1);
                sel.selectedKeys().clear();
                c.write(ByteBuffer.wrap("hello, selector".getBytes(StandardCharsets.UTF_8)));
                c.shutdownOutput();
                k.interestOps(SelectionKey.OP_READ);
                ByteBuffer in = ByteBuffer.allocate(100);
                while (true) {
                    sel.select(5000);
                    sel.selectedKeys().clear();
                    if (c.read(in) < 0) {
                        break;
                    }
                }
                c.close();
                sel.close();
                server.close();
                return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
            });
            assertThat(got).isEqualTo("hello, selector");
        }
    }

    /** As an HTTP server's echo does it: read a whole megabyte, then write a megabyte back, blocking. */
    @Test
    void readAllThenWriteAllBlocking() throws Exception {
        for (boolean simulated : new boolean[] {true, false}) {
            try (NetstackEndpoints e = new NetstackEndpoints(simulated, 2)) {
                byte[] data = new byte[1 << 20];
                new java.util.SplittableRandom(3).nextBytes(data);
                byte[] back = e.run(() -> {
                    ServerSocketChannel server = e.server().openServerSocketChannel();
                    server.bind(new InetSocketAddress(e.serverAddress(), 7001));
                    e.start("reader-then-writer", () -> {
                        try (SocketChannel s = server.accept()) {
                            ByteBuffer all = ByteBuffer.allocate(data.length);
                            while (all.hasRemaining() && s.read(all) >= 0) {
                                // until the whole request is in
                            }
                            all.flip();
                            while (all.hasRemaining()) {
                                s.write(all);
                            }
                        } catch (java.io.IOException ex) {
                            throw new java.io.UncheckedIOException(ex);
                        }
                    });
                    SocketChannel c = e.client().openSocketChannel();
                    c.connect(new InetSocketAddress(e.serverAddress(), 7001));
                    c.write(ByteBuffer.wrap(data));
                    ByteBuffer in = ByteBuffer.allocate(data.length);
                    while (in.hasRemaining() && c.read(in) >= 0) {
                        // all of it
                    }
                    c.close();
                    server.close();
                    return in.array();
                });
                assertThat(back).as(simulated ? "simulated" : "real threads").isEqualTo(data);
            }
        }
    }

    /** DatagramChannel.socket(): packets each way, and SO_TIMEOUT on a receive with nothing coming. */
    @Test
    void theDatagramSocketAdaptor() throws Exception {
        try (NetstackEndpoints e = new NetstackEndpoints(true, 3)) {
            String got = e.run(() -> {
                try (java.nio.channels.DatagramChannel a = e.server().openDatagramChannel();
                     java.nio.channels.DatagramChannel b = e.client().openDatagramChannel()) {
                    java.net.DatagramSocket server = a.socket();
                    java.net.DatagramSocket client = b.socket();
                    server.bind(new InetSocketAddress(e.serverAddress(), 5000));
                    client.bind(new InetSocketAddress(e.clientAddress(), 5001));
                    byte[] hello = "hello, adaptor".getBytes(StandardCharsets.UTF_8);
                    client.send(new java.net.DatagramPacket(hello, hello.length, new InetSocketAddress(e.serverAddress(), 5000)));
                    java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[100], 100);
                    server.receive(p);
                    assertThat(p.getSocketAddress()).isEqualTo(new InetSocketAddress(e.clientAddress(), 5001));
                    server.setSoTimeout(200);
                    assertThat(server.getSoTimeout()).isEqualTo(200);
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> server.receive(new java.net.DatagramPacket(new byte[10], 10)))
                            .isExactlyInstanceOf(java.net.SocketTimeoutException.class);
                    return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                }
            });
            assertThat(got).isEqualTo("hello, adaptor");
        }
    }
}
