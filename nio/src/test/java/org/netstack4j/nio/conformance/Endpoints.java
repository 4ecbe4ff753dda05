package org.netstack4j.nio.conformance;

import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.Callable;

/**
 * Where the two sides of a {@link ChannelConformance} test live, so that one suite runs on any
 * pair of providers: the JDK's default provider on loopback, or netstack4j hosts on a simulated
 * network. A fresh instance serves one test and is closed after it.
 */
public interface Endpoints extends AutoCloseable {

    /** The provider for channels and selectors on the server side. */
    SelectorProvider server();

    /** The provider for channels and selectors on the client side. */
    SelectorProvider client();

    /** The address the server binds and the client connects to. */
    InetAddress serverAddress();

    /** The client side's own address (datagram tests bind here). */
    InetAddress clientAddress();

    /** A TCP port on {@link #serverAddress()} where nothing listens. */
    int closedPort();

    /** Runs body as the program's thread (our simulated networks need their own threads); default: here. */
    default <T> T run(Callable<T> body) throws Exception {
        return body.call();
    }

    /** Starts a helper thread for the program (a server loop); default: a platform daemon thread. */
    default Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    default void close() throws Exception {}
}
