package org.netstack4j.nio.examples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * A textbook single-threaded NIO echo server: one selector, non-blocking channels. Serves
 * {@code clients} connections (each echoed until it closes), then exits.
 * Usage: {@code NioEchoServer PORT CLIENTS}.
 */
public final class NioEchoServer {
    private NioEchoServer() {
    }

    /** One connection's bytes on their way back, and whether its client has finished sending. */
    private static final class Echo {
        final ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        boolean ended;
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        int clients = Integer.parseInt(args[1]);
        try (Selector selector = Selector.open(); ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(port));
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            int accepted = 0;
            int finished = 0;
            while (finished < clients) {
                selector.select();
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.isAcceptable()) {
                        SocketChannel c = server.accept();
                        if (c != null && accepted < clients) {
                            accepted++;
                            c.configureBlocking(false);
                            c.register(selector, SelectionKey.OP_READ, new Echo());
                        } else if (c != null) {
                            c.close();
                        }
                    } else if (key.isReadable() || key.isWritable()) {
                        SocketChannel c = (SocketChannel) key.channel();
                        Echo e = (Echo) key.attachment();
                        ByteBuffer buf = e.buffer;
                        if (key.isReadable() && c.read(buf) < 0) {
                            e.ended = true;
                        }
                        buf.flip();
                        c.write(buf);
                        buf.compact();
                        if (e.ended && buf.position() == 0) {
                            c.close();
                            finished++;
                        } else {
                            // wait for room to write what is left, else for more to read
                            key.interestOps(buf.position() > 0 ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
                        }
                    }
                }
            }
            System.out.println("served " + clients + " clients");
        }
    }
}
