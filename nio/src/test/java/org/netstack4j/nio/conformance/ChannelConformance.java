package org.netstack4j.nio.conformance;

import static java.nio.channels.SelectionKey.OP_ACCEPT;
import static java.nio.channels.SelectionKey.OP_CONNECT;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The channel conformance suite: what an NIO program observes of {@link SocketChannel},
 * {@link ServerSocketChannel}, {@link DatagramChannel} and {@link Selector}. A subclass names the
 * providers through {@link #endpoints()}; run against the JDK's default provider
 * ({@link JdkChannelConformanceTest}) it defines the behaviour every other provider must agree with.
 *
 * <p>Rules every test keeps, so that it runs on a simulated network as well as on loopback: every
 * channel and selector comes from {@link Endpoints#server()} or {@link Endpoints#client()}; the body
 * runs inside {@link Endpoints#run}, helper threads start through {@link Endpoints#start}; waiting is
 * a blocking channel call or a {@link Selector#select(long)} (never {@link Thread#sleep}); listeners
 * bind fixed ports ({@link #port(int)}), never port 0.
 */
public abstract class ChannelConformance {

    /** How long a selector waits before the test calls a wait a hang, in milliseconds. */
    private static final long PATIENCE = 5_000;

    private Endpoints endpoints;

    /** Where this test's two sides live: a fresh instance for each test, closed after it. */
    protected abstract Endpoints endpoints() throws Exception;

    /** The first of the fixed ports the tests use; each test uses {@code basePort() + index}. */
    protected int basePort() {
        return 7100;
    }

    /** The fixed port number {@code index} of a test (listeners never bind port 0). */
    protected final int port(int index) {
        return basePort() + index;
    }

    @BeforeEach
    public void openEndpoints() throws Exception {
        endpoints = endpoints();
    }

    @AfterEach
    public void closeEndpoints() throws Exception {
        if (endpoints != null) {
            endpoints.close();
        }
    }

    // ---------------------------------------------------------------- blocking TCP

    @Test
    @Timeout(30)
    public void blockingEchoOfOneMegabyte() throws Exception {
        byte[] data = randomBytes(42, 1 << 20);
        InetSocketAddress at = serverAt(0);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel()) {
                listener.bind(at);
                try (Background echo = background("echo-server", () -> {
                            try (SocketChannel c = listener.accept()) {
                                echoUntilEof(c);
                            }
                        });
                        SocketChannel client = client().openSocketChannel()) {
                    assertThat(client.isBlocking()).isTrue();
                    assertThat(client.connect(at)).isTrue();
                    assertThat(client.isConnected()).isTrue();
                    // A writer of its own: the echo comes back while the megabyte is still going out.
                    try (Background writer = background("echo-writer", () -> {
                        writeFully(client, ByteBuffer.wrap(data));
                        client.shutdownOutput();
                    })) {
                        byte[] echoed = readToEof(client, data.length);
                        writer.await();
                        assertSameBytes(echoed, data);
                    }
                    assertThat(client.read(ByteBuffer.allocate(1))).as("read after end of stream").isEqualTo(-1);
                    echo.await();
                }
            }
        });
    }

    @Test
    @Timeout(30)
    public void halfCloseLetsTheServerStillReply() throws Exception {
        InetSocketAddress at = serverAt(1);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel()) {
                listener.bind(at);
                try (Background replier = background("half-close-server", () -> {
                            try (SocketChannel c = listener.accept()) {
                                byte[] request = readToEof(c, 1024);
                                assertThat(c.read(ByteBuffer.allocate(1))).as("second read at end of stream").isEqualTo(-1);
                                assertThat(c.isOpen()).isTrue();
                                assertThat(c.isConnected()).isTrue();
                                writeFully(c, ascii("reply to " + new String(request, US_ASCII)));
                            }
                        });
                        SocketChannel client = client().openSocketChannel()) {
                    client.connect(at);
                    writeFully(client, ascii("hello"));
                    client.shutdownOutput();
                    // The JDK (25) throws AsynchronousCloseException, a ClosedChannelException, here:
                    // shutdownOutput's own specification only promises ClosedChannelException.
                    assertThatThrownBy(() -> client.write(ascii("more"))).isInstanceOf(ClosedChannelException.class);
                    assertThat(client.isOpen()).isTrue();
                    assertThat(client.isConnected()).isTrue();
                    assertThat(new String(readToEof(client, 1024), US_ASCII)).isEqualTo("reply to hello");
                    assertThat(client.read(ByteBuffer.allocate(1))).isEqualTo(-1);
                    replier.await();
                }
            }
        });
    }

    // ---------------------------------------------------------------- connecting

    @Test
    @Timeout(30)
    public void blockingConnectToAClosedPortIsRefused() throws Exception {
        program(() -> {
            InetSocketAddress closed = new InetSocketAddress(endpoints.serverAddress(), endpoints.closedPort());
            try (SocketChannel c = client().openSocketChannel()) {
                assertThatThrownBy(() -> c.connect(closed)).isExactlyInstanceOf(ConnectException.class);
                assertThat(c.isOpen()).as("a failed connect closes the channel").isFalse();
                assertThat(c.isConnected()).isFalse();
            }
        });
    }

    @Test
    @Timeout(30)
    public void nonBlockingConnectToAClosedPortIsRefusedAtFinishConnect() throws Exception {
        program(() -> {
            InetSocketAddress closed = new InetSocketAddress(endpoints.serverAddress(), endpoints.closedPort());
            try (Selector selector = client().openSelector(); SocketChannel c = client().openSocketChannel()) {
                c.configureBlocking(false);
                boolean connected;
                try {
                    connected = c.connect(closed);
                } catch (ConnectException refusedAtOnce) {
                    // Allowed: a system may refuse a loopback connection within connect itself.
                    assertThat(c.isOpen()).as("a failed connect closes the channel").isFalse();
                    return;
                }
                assertThat(connected).as("connect to a port where nothing listens").isFalse();
                assertThat(c.isConnectionPending()).isTrue();
                SelectionKey key = c.register(selector, OP_CONNECT);
                assertThat(selector.select(PATIENCE)).isEqualTo(1);
                assertThat(selector.selectedKeys()).containsExactly(key);
                assertThat(key.readyOps()).isEqualTo(OP_CONNECT);
                assertThatThrownBy(c::finishConnect).isExactlyInstanceOf(ConnectException.class);
                assertThat(c.isOpen()).as("a failed finishConnect closes the channel").isFalse();
                assertThat(key.isValid()).isFalse();
            }
        });
    }

    @Test
    @Timeout(30)
    public void nonBlockingConnectCompletesThroughTheSelector() throws Exception {
        InetSocketAddress at = serverAt(2);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel();
                    Selector selector = client().openSelector();
                    SocketChannel c = client().openSocketChannel()) {
                listener.bind(at);
                c.configureBlocking(false);
                if (!c.connect(at)) {
                    assertThat(c.isConnectionPending()).isTrue();
                    assertThat(c.isConnected()).isFalse();
                    SelectionKey key = c.register(selector, OP_CONNECT);
                    assertThat(selector.select(PATIENCE)).isEqualTo(1);
                    assertThat(key.isConnectable()).isTrue();
                    assertThat(c.finishConnect()).isTrue();
                }
                assertThat(c.isConnectionPending()).isFalse();
                assertThat(c.isConnected()).isTrue();
                assertThat(c.finishConnect()).as("finishConnect when connected").isTrue();
                assertThat(c.getRemoteAddress()).isEqualTo(at);
                SocketAddress local = c.getLocalAddress();
                assertThat(local).isInstanceOf(InetSocketAddress.class);
                InetSocketAddress localAt = (InetSocketAddress) local;
                assertThat(localAt.getAddress()).isEqualTo(endpoints.clientAddress());
                assertThat(localAt.getPort()).isPositive();
                try (SocketChannel accepted = listener.accept()) {
                    assertThat(accepted.getRemoteAddress()).isEqualTo(localAt);
                    assertThat(accepted.getLocalAddress()).isEqualTo(at);
                    assertThat(accepted.isBlocking()).as("an accepted channel starts blocking").isTrue();
                }
            }
        });
    }

    // ---------------------------------------------------------------- exceptions per state

    @Test
    @Timeout(30)
    public void unconnectedChannelsThrowNotYetConnected() throws Exception {
        program(() -> {
            try (SocketChannel c = client().openSocketChannel(); DatagramChannel d = client().openDatagramChannel()) {
                assertThat(c.isConnected()).isFalse();
                assertThat(c.getRemoteAddress()).isNull();
                assertThat(c.getLocalAddress()).as("an unbound channel's local address").isNull();
                assertThatThrownBy(() -> c.read(ByteBuffer.allocate(1))).isExactlyInstanceOf(NotYetConnectedException.class);
                assertThatThrownBy(() -> c.write(ascii("x"))).isExactlyInstanceOf(NotYetConnectedException.class);
                assertThatThrownBy(c::shutdownInput).isExactlyInstanceOf(NotYetConnectedException.class);
                assertThatThrownBy(c::shutdownOutput).isExactlyInstanceOf(NotYetConnectedException.class);
                assertThatThrownBy(() -> d.read(ByteBuffer.allocate(1))).isExactlyInstanceOf(NotYetConnectedException.class);
                assertThatThrownBy(() -> d.write(ascii("x"))).isExactlyInstanceOf(NotYetConnectedException.class);
            }
        });
    }

    @Test
    @Timeout(30)
    public void connectingTwiceThrowsAlreadyConnected() throws Exception {
        InetSocketAddress at = serverAt(3);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel(); SocketChannel c = client().openSocketChannel()) {
                listener.bind(at);
                assertThat(c.connect(at)).isTrue();
                assertThatThrownBy(() -> c.connect(at)).isExactlyInstanceOf(AlreadyConnectedException.class);
                c.configureBlocking(false);
                assertThatThrownBy(() -> c.connect(at)).isExactlyInstanceOf(AlreadyConnectedException.class);
                assertThat(c.isConnected()).isTrue();
                try (SocketChannel accepted = listener.accept()) {
                    assertThat(accepted.isConnected()).isTrue();
                }
            }
        });
    }

    @Test
    @Timeout(30)
    public void connectingWhilePendingThrowsConnectionPending() throws Exception {
        InetSocketAddress at = serverAt(4);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel();
                    Selector selector = client().openSelector();
                    SocketChannel c = client().openSocketChannel()) {
                listener.bind(at);
                c.configureBlocking(false);
                boolean connectedAtOnce = c.connect(at);
                assumeFalse(connectedAtOnce, "the connection completed within connect: no pending state to test");
                assertThat(c.isConnectionPending()).isTrue();
                assertThatThrownBy(() -> c.connect(at)).isExactlyInstanceOf(ConnectionPendingException.class);
                assertThatThrownBy(() -> c.read(ByteBuffer.allocate(1))).isExactlyInstanceOf(NotYetConnectedException.class);
                assertThatThrownBy(() -> c.write(ascii("x"))).isExactlyInstanceOf(NotYetConnectedException.class);
                SelectionKey key = c.register(selector, OP_CONNECT);
                assertThat(selector.select(PATIENCE)).isEqualTo(1);
                assertThat(key.isConnectable()).isTrue();
                assertThat(c.finishConnect()).isTrue();
                assertThatThrownBy(() -> c.connect(at)).isExactlyInstanceOf(AlreadyConnectedException.class);
            }
        });
    }

    @Test
    @Timeout(30)
    public void finishConnectWithoutConnectThrowsNoConnectionPending() throws Exception {
        program(() -> {
            try (SocketChannel c = client().openSocketChannel()) {
                assertThatThrownBy(c::finishConnect).isExactlyInstanceOf(NoConnectionPendingException.class);
                c.configureBlocking(false);
                assertThatThrownBy(c::finishConnect).isExactlyInstanceOf(NoConnectionPendingException.class);
            }
        });
    }

    @Test
    @Timeout(30)
    public void closedChannelsThrowClosedChannel() throws Exception {
        InetSocketAddress at = serverAt(5);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel();
                    Selector selector = client().openSelector();
                    SocketChannel c = client().openSocketChannel();
                    DatagramChannel d = client().openDatagramChannel()) {
                listener.bind(at);
                c.connect(at);
                try (SocketChannel accepted = listener.accept()) {
                    c.close();
                    c.close(); // closing again does nothing
                    assertThat(c.isOpen()).isFalse();
                    assertThat(c.isConnected()).isFalse();
                    assertClosed(() -> c.read(ByteBuffer.allocate(1)));
                    assertClosed(() -> c.write(ascii("x")));
                    assertClosed(() -> c.connect(at));
                    assertClosed(c::finishConnect);
                    assertClosed(() -> c.bind(null));
                    assertClosed(() -> c.configureBlocking(false));
                    assertClosed(() -> c.register(selector, OP_READ));
                    assertClosed(() -> c.getOption(StandardSocketOptions.TCP_NODELAY));
                    assertClosed(() -> c.setOption(StandardSocketOptions.TCP_NODELAY, true));
                    assertClosed(c::getLocalAddress);
                    assertClosed(c::getRemoteAddress);
                    assertClosed(c::shutdownInput);
                    assertClosed(c::shutdownOutput);
                    assertThat(accepted.read(ByteBuffer.allocate(1))).as("the peer of a closed channel reads end of stream").isEqualTo(-1);
                }

                listener.close();
                assertThat(listener.isOpen()).isFalse();
                assertClosed(listener::accept);
                assertClosed(() -> listener.bind(at));
                assertClosed(listener::getLocalAddress);
                assertClosed(() -> listener.configureBlocking(false));
                assertClosed(() -> listener.register(selector, OP_ACCEPT));

                d.close();
                assertThat(d.isOpen()).isFalse();
                assertClosed(() -> d.send(ascii("x"), at));
                assertClosed(() -> d.receive(ByteBuffer.allocate(1)));
                assertClosed(() -> d.read(ByteBuffer.allocate(1)));
                assertClosed(() -> d.write(ascii("x")));
                assertClosed(() -> d.bind(null));
                assertClosed(() -> d.connect(at));
                assertClosed(d::getLocalAddress);
            }
        });
    }

    @Test
    @Timeout(30)
    public void acceptOnAnUnboundServerThrowsNotYetBound() throws Exception {
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel()) {
                assertThat(listener.getLocalAddress()).isNull();
                assertThatThrownBy(listener::accept).isExactlyInstanceOf(NotYetBoundException.class);
                listener.configureBlocking(false);
                assertThatThrownBy(listener::accept).isExactlyInstanceOf(NotYetBoundException.class);
            }
        });
    }

    @Test
    @Timeout(30)
    public void blockingChannelsCannotRegister() throws Exception {
        program(() -> {
            try (Selector selector = client().openSelector();
                    SocketChannel c = client().openSocketChannel();
                    ServerSocketChannel listener = server().openServerSocketChannel();
                    DatagramChannel d = client().openDatagramChannel()) {
                assertThatThrownBy(() -> c.register(selector, OP_CONNECT)).isExactlyInstanceOf(IllegalBlockingModeException.class);
                assertThatThrownBy(() -> listener.register(selector, OP_ACCEPT)).isExactlyInstanceOf(IllegalBlockingModeException.class);
                assertThatThrownBy(() -> d.register(selector, OP_READ)).isExactlyInstanceOf(IllegalBlockingModeException.class);
                assertThat(c.isRegistered()).isFalse();

                c.configureBlocking(false);
                SelectionKey key = c.register(selector, OP_CONNECT);
                assertThat(c.isRegistered()).isTrue();
                assertThatThrownBy(() -> c.configureBlocking(true)).isExactlyInstanceOf(IllegalBlockingModeException.class);
                assertThat(c.isBlocking()).isFalse();
                key.cancel();
                selector.selectNow(); // deregisters the channel
                assertThat(c.isRegistered()).isFalse();
                c.configureBlocking(true);
                assertThat(c.isBlocking()).isTrue();
            }
        });
    }

    @Test
    @Timeout(30)
    public void interestOutsideValidOpsIsRejected() throws Exception {
        program(() -> {
            try (Selector selector = client().openSelector();
                    SocketChannel c = client().openSocketChannel();
                    ServerSocketChannel listener = server().openServerSocketChannel();
                    DatagramChannel d = client().openDatagramChannel()) {
                assertThat(c.validOps()).isEqualTo(OP_CONNECT | OP_READ | OP_WRITE);
                assertThat(listener.validOps()).isEqualTo(OP_ACCEPT);
                assertThat(d.validOps()).isEqualTo(OP_READ | OP_WRITE);
                c.configureBlocking(false);
                assertThatThrownBy(() -> c.register(selector, OP_ACCEPT)).isExactlyInstanceOf(IllegalArgumentException.class);
                SelectionKey key = c.register(selector, OP_CONNECT);
                assertThatThrownBy(() -> key.interestOps(OP_ACCEPT)).isExactlyInstanceOf(IllegalArgumentException.class);
                assertThat(key.interestOps()).isEqualTo(OP_CONNECT);
            }
        });
    }

    @Test
    @Timeout(30)
    public void closedSelectorThrowsClosedSelector() throws Exception {
        program(() -> {
            try (Selector selector = client().openSelector(); SocketChannel c = client().openSocketChannel()) {
                c.configureBlocking(false);
                SelectionKey key = c.register(selector, OP_CONNECT);
                selector.close();
                selector.close(); // closing again does nothing
                assertThat(selector.isOpen()).isFalse();
                assertThat(key.isValid()).as("closing a selector invalidates its keys").isFalse();
                assertThat(c.isOpen()).as("closing a selector leaves its channels open").isTrue();
                assertThat(c.isRegistered()).isFalse();
                assertThatThrownBy(selector::select).isExactlyInstanceOf(ClosedSelectorException.class);
                assertThatThrownBy(() -> selector.select(10)).isExactlyInstanceOf(ClosedSelectorException.class);
                assertThatThrownBy(selector::selectNow).isExactlyInstanceOf(ClosedSelectorException.class);
                assertThatThrownBy(selector::keys).isExactlyInstanceOf(ClosedSelectorException.class);
                assertThatThrownBy(selector::selectedKeys).isExactlyInstanceOf(ClosedSelectorException.class);
                assertThatThrownBy(() -> c.register(selector, OP_CONNECT)).isExactlyInstanceOf(ClosedSelectorException.class);
                assertThat(selector.wakeup()).as("wakeup on a closed selector").isSameAs(selector);
            }
        });
    }

    // ---------------------------------------------------------------- selector wake-ups

    @Test
    @Timeout(30)
    public void wakeupFromAnotherThreadEndsASelect() throws Exception {
        InetSocketAddress at = serverAt(6);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel(); Selector selector = server().openSelector()) {
                listener.bind(at);
                listener.configureBlocking(false);
                listener.register(selector, OP_ACCEPT); // registered but never ready: nobody connects
                try (Background waker = background("waker", () -> {
                    pause(200); // give the program time to block in select()
                    assertThat(selector.wakeup()).isSameAs(selector);
                })) {
                    // select() without a timeout on purpose: only the wakeup can end it (or @Timeout).
                    assertThat(selector.select()).isZero();
                    assertThat(selector.selectedKeys()).isEmpty();
                    waker.await();
                }
            }
        });
    }

    @Test
    @Timeout(30)
    public void wakeupBeforeSelectMakesTheNextSelectReturnAtOnce() throws Exception {
        program(() -> {
            try (Selector selector = client().openSelector()) {
                assertThat(selector.wakeup()).isSameAs(selector);
                assertThat(selector.select()).isZero();
                // Two wakeups before one select: that select consumes both.
                selector.wakeup();
                selector.wakeup();
                assertThat(selector.select()).isZero();
                assertThat(selector.select(100)).isZero();
                // A wakeup is also consumed by selectNow.
                selector.wakeup();
                assertThat(selector.selectNow()).isZero();
                assertThat(selector.select(100)).isZero();
                assertThat(selector.selectedKeys()).isEmpty();
            }
        });
    }

    @Test
    @Timeout(30)
    public void selectNowReturnsZeroWithNothingReady() throws Exception {
        InetSocketAddress at = serverAt(7);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel(); Selector selector = server().openSelector()) {
                assertThat(selector.selectNow()).as("no keys at all").isZero();
                listener.bind(at);
                listener.configureBlocking(false);
                SelectionKey key = listener.register(selector, OP_ACCEPT);
                assertThat(selector.keys()).containsExactly(key);
                assertThat(selector.selectNow()).as("a listener nobody connects to").isZero();
                assertThat(selector.selectedKeys()).isEmpty();
                assertThat(key.readyOps()).isZero();
            }
        });
    }

    @Test
    @Timeout(30)
    public void selectWithATimeoutReturnsZeroWithNothingReady() throws Exception {
        InetSocketAddress at = serverAt(8);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel(); Selector selector = server().openSelector()) {
                listener.bind(at);
                listener.configureBlocking(false);
                listener.register(selector, OP_ACCEPT);
                assertThat(selector.select(300)).isZero();
                assertThat(selector.selectedKeys()).isEmpty();
            }
        });
    }

    // ---------------------------------------------------------------- many channels, keys

    @Test
    @Timeout(30)
    public void oneSelectorServesFiftyClientsAtOnce() throws Exception {
        int clients = 50;
        int size = 10 * 1024;
        InetSocketAddress at = serverAt(10);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel()) {
                listener.bind(at, 64);
                try (Background echo = background("selector-echo-server", () -> serveEchoes(listener, clients))) {
                    List<SocketChannel> channels = new ArrayList<>();
                    try (Selector selector = client().openSelector()) {
                        for (int i = 0; i < clients; i++) {
                            SocketChannel c = client().openSocketChannel();
                            channels.add(c);
                            c.configureBlocking(false);
                            Conversation conversation = new Conversation(randomBytes(1000 + i, size));
                            if (c.connect(at)) {
                                c.register(selector, OP_READ | OP_WRITE, conversation);
                            } else {
                                c.register(selector, OP_CONNECT, conversation);
                            }
                        }
                        converse(selector, clients);
                        selector.selectNow();
                        assertThat(selector.keys()).as("keys of closed channels after a select").isEmpty();
                    } finally {
                        closeAll(channels);
                    }
                    echo.await();
                }
            }
        });
    }

    @Test
    @Timeout(30)
    public void aCancelledKeyLeavesTheKeySetAtTheNextSelect() throws Exception {
        program(() -> {
            try (Selector selector = client().openSelector(); SocketChannel c = client().openSocketChannel()) {
                c.configureBlocking(false);
                SelectionKey key = c.register(selector, OP_CONNECT, "first");
                key.cancel();
                assertThat(key.isValid()).isFalse();
                assertThat(selector.keys()).as("keys before the next select").containsExactly(key);
                assertThatThrownBy(key::interestOps).isExactlyInstanceOf(CancelledKeyException.class);
                assertThatThrownBy(() -> key.interestOps(OP_READ)).isExactlyInstanceOf(CancelledKeyException.class);
                assertThatThrownBy(key::readyOps).isExactlyInstanceOf(CancelledKeyException.class);
                assertThat(key.attachment()).as("attachment of a cancelled key").isEqualTo("first");
                assertThatThrownBy(() -> c.register(selector, OP_CONNECT))
                        .as("registering again before the next select")
                        .isExactlyInstanceOf(CancelledKeyException.class);
                assertThat(selector.selectNow()).isZero();
                assertThat(selector.keys()).as("keys after the next select").isEmpty();
                assertThat(c.keyFor(selector)).isNull();
                SelectionKey again = c.register(selector, OP_CONNECT);
                assertThat(again).isNotSameAs(key);
                assertThat(again.isValid()).isTrue();
                assertThat(selector.keys()).containsExactly(again);
            }
        });
    }

    @Test
    @Timeout(30)
    public void interestAndReadySets() throws Exception {
        InetSocketAddress at = serverAt(11);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel();
                    Selector selector = client().openSelector();
                    SocketChannel c = client().openSocketChannel()) {
                listener.bind(at);
                c.connect(at);
                c.configureBlocking(false);
                try (SocketChannel peer = listener.accept()) {
                    Object attachment = new Object();
                    SelectionKey key = c.register(selector, OP_READ, attachment);
                    assertThat(key.attachment()).isSameAs(attachment);
                    assertThat(key.channel()).isSameAs(c);
                    assertThat(key.selector()).isSameAs(selector);
                    assertThat(c.keyFor(selector)).isSameAs(key);
                    assertThat(c.isRegistered()).isTrue();
                    assertThat(key.interestOps()).isEqualTo(OP_READ);
                    assertThat(selector.selectNow()).as("nothing to read before the peer writes").isZero();

                    key.interestOps(OP_READ | OP_WRITE);
                    assertThat(selector.select(PATIENCE)).isEqualTo(1);
                    assertThat(selector.selectedKeys()).containsExactly(key);
                    assertThat(key.readyOps()).as("ready right after connect").isEqualTo(OP_WRITE);
                    assertThat(key.isWritable()).isTrue();
                    assertThat(key.isReadable()).isFalse();
                    selector.selectedKeys().clear();

                    key.interestOps(OP_READ);
                    writeFully(peer, ascii("ping"));
                    awaitReady(selector, key, OP_READ);
                    assertThat(key.readyOps()).isEqualTo(OP_READ);
                    selector.selectedKeys().clear();

                    key.interestOps(OP_READ | OP_WRITE);
                    assertThat(selector.select(PATIENCE)).isEqualTo(1);
                    assertThat(key.readyOps()).isEqualTo(OP_READ | OP_WRITE);
                    assertThat(key.readyOps() & ~key.interestOps()).as("ready outside interest").isZero();
                    selector.selectedKeys().clear();

                    key.interestOps(0);
                    assertThat(selector.selectNow()).as("data waiting, but no interest").isZero();
                    assertThat(selector.selectedKeys()).isEmpty();

                    assertThat(key.attach("second")).isSameAs(attachment);
                    assertThat(key.attachment()).isEqualTo("second");
                    assertThat(key.attach(null)).isEqualTo("second");
                    assertThat(key.attachment()).isNull();

                    ByteBuffer got = ByteBuffer.allocate(16);
                    assertThat(c.read(got)).isEqualTo(4);
                    assertThat(new String(drain(got), US_ASCII)).isEqualTo("ping");
                    assertThat(c.read(ByteBuffer.allocate(16))).as("non-blocking read with nothing waiting").isZero();
                }
            }
        });
    }

    // ---------------------------------------------------------------- timeouts

    @Test
    @Timeout(30)
    public void soTimeoutBindsTheAdaptorStreamButNotTheChannelRead() throws Exception {
        InetSocketAddress at = serverAt(12);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel()) {
                listener.bind(at);
                try (Background slow = background("slow-server", () -> {
                            try (SocketChannel c = listener.accept()) {
                                assertThat(new String(readExactly(c, 2), US_ASCII)).isEqualTo("go");
                                pause(1000); // five times the client's SO_TIMEOUT
                                writeFully(c, ascii("RS"));
                                assertThat(readToEof(c, 16)).isEmpty();
                            }
                        });
                        SocketChannel client = client().openSocketChannel()) {
                    client.connect(at);
                    client.socket().setSoTimeout(200);
                    assertThat(client.socket().getSoTimeout()).isEqualTo(200);
                    InputStream in = client.socket().getInputStream();
                    assertThatThrownBy(in::read).isExactlyInstanceOf(SocketTimeoutException.class);
                    assertThat(client.isOpen()).as("a timed-out read leaves the channel open").isTrue();
                    assertThat(client.isConnected()).isTrue();

                    writeFully(client, ascii("go"));
                    // SocketChannel.read ignores SO_TIMEOUT: it waits out the server's pause.
                    ByteBuffer one = ByteBuffer.allocate(1);
                    assertThat(client.read(one)).isEqualTo(1);
                    assertThat(one.get(0)).isEqualTo((byte) 'R');
                    assertThat(in.read()).isEqualTo('S');
                    client.shutdownOutput();
                    assertThat(in.read()).isEqualTo(-1);
                    slow.await();
                }
            }
        });
    }

    @Test
    @Timeout(30)
    public void soTimeoutBindsTheServerAdaptorAccept() throws Exception {
        InetSocketAddress at = serverAt(13);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel()) {
                listener.bind(at);
                listener.socket().setSoTimeout(200);
                assertThat(listener.socket().getSoTimeout()).isEqualTo(200);
                assertThatThrownBy(() -> listener.socket().accept()).isExactlyInstanceOf(SocketTimeoutException.class);
                assertThat(listener.isOpen()).isTrue();
                try (SocketChannel c = client().openSocketChannel()) {
                    c.connect(at);
                    try (Socket accepted = listener.socket().accept()) {
                        assertThat(accepted.getRemoteSocketAddress()).isEqualTo(c.getLocalAddress());
                        assertThat(accepted.getChannel()).isNotNull();
                    }
                }
            }
        });
    }

    // ---------------------------------------------------------------- socket options

    @Test
    @Timeout(30)
    public void socketOptions() throws Exception {
        InetSocketAddress at = serverAt(14);
        program(() -> {
            try (ServerSocketChannel listener = server().openServerSocketChannel(); SocketChannel c = client().openSocketChannel()) {
                assertThat(c.supportedOptions()).contains(
                        StandardSocketOptions.TCP_NODELAY,
                        StandardSocketOptions.SO_KEEPALIVE,
                        StandardSocketOptions.SO_RCVBUF,
                        StandardSocketOptions.SO_SNDBUF,
                        StandardSocketOptions.SO_REUSEADDR,
                        StandardSocketOptions.SO_LINGER);
                assertThat(c.setOption(StandardSocketOptions.TCP_NODELAY, true)).isSameAs(c);
                assertThat(c.getOption(StandardSocketOptions.TCP_NODELAY)).isTrue();
                c.setOption(StandardSocketOptions.TCP_NODELAY, false);
                assertThat(c.getOption(StandardSocketOptions.TCP_NODELAY)).isFalse();
                c.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                assertThat(c.getOption(StandardSocketOptions.SO_KEEPALIVE)).isTrue();
                c.setOption(StandardSocketOptions.SO_KEEPALIVE, false);
                assertThat(c.getOption(StandardSocketOptions.SO_KEEPALIVE)).isFalse();
                c.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
                assertThat(c.getOption(StandardSocketOptions.SO_RCVBUF)).isPositive();
                c.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
                assertThat(c.getOption(StandardSocketOptions.SO_SNDBUF)).isPositive();
                c.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                assertThat(c.getOption(StandardSocketOptions.SO_REUSEADDR)).isTrue();
                c.setOption(StandardSocketOptions.SO_REUSEADDR, false);
                assertThat(c.getOption(StandardSocketOptions.SO_REUSEADDR)).isFalse();
                assertThat(c.getOption(StandardSocketOptions.SO_LINGER)).as("SO_LINGER starts disabled").isEqualTo(-1);
                c.setOption(StandardSocketOptions.SO_LINGER, 5);
                assertThat(c.getOption(StandardSocketOptions.SO_LINGER)).isEqualTo(5);
                c.setOption(StandardSocketOptions.SO_LINGER, -1);
                assertThat(c.getOption(StandardSocketOptions.SO_LINGER)).isEqualTo(-1);

                assertThatThrownBy(() -> c.setOption(StandardSocketOptions.SO_RCVBUF, -1))
                        .isExactlyInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> c.setOption(StandardSocketOptions.SO_BROADCAST, true))
                        .isExactlyInstanceOf(UnsupportedOperationException.class);
                assertThatThrownBy(() -> c.getOption(StandardSocketOptions.SO_BROADCAST))
                        .isExactlyInstanceOf(UnsupportedOperationException.class);

                assertThat(listener.supportedOptions()).contains(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR);
                listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                assertThat(listener.getOption(StandardSocketOptions.SO_REUSEADDR)).isTrue();
                listener.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
                assertThat(listener.getOption(StandardSocketOptions.SO_RCVBUF)).isPositive();

                listener.bind(at);
                c.connect(at);
                try (SocketChannel accepted = listener.accept()) {
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    assertThat(c.getOption(StandardSocketOptions.TCP_NODELAY)).as("TCP_NODELAY when connected").isTrue();
                    assertThat(accepted.getOption(StandardSocketOptions.SO_RCVBUF)).isPositive();
                    assertThat(accepted.getOption(StandardSocketOptions.SO_SNDBUF)).isPositive();
                    assertThat(accepted.getOption(StandardSocketOptions.SO_LINGER)).isEqualTo(-1);
                }
            }
        });
    }

    // ---------------------------------------------------------------- datagrams

    @Test
    @Timeout(30)
    public void datagramExchange() throws Exception {
        InetSocketAddress serverAt = serverAt(20);
        program(() -> {
            InetSocketAddress clientAt = clientAt(21);
            byte[] ping = randomBytes(7, 1000);
            byte[] pong = randomBytes(8, 1000);
            try (DatagramChannel server = server().openDatagramChannel(); DatagramChannel client = client().openDatagramChannel()) {
                server.bind(serverAt);
                client.bind(clientAt);
                assertThat(server.getLocalAddress()).isEqualTo(serverAt);
                assertThat(client.getLocalAddress()).isEqualTo(clientAt);

                assertThat(client.send(ByteBuffer.wrap(ping), serverAt)).isEqualTo(1000);
                ByteBuffer buffer = ByteBuffer.allocate(2000);
                SocketAddress from = server.receive(buffer);
                assertThat(from).as("the sender of the ping").isEqualTo(clientAt);
                assertSameBytes(drain(buffer), ping);

                assertThat(server.send(ByteBuffer.wrap(pong), from)).isEqualTo(1000);
                buffer.clear();
                assertThat(client.receive(buffer)).as("the sender of the pong").isEqualTo(serverAt);
                assertSameBytes(drain(buffer), pong);

                client.connect(serverAt);
                server.connect(clientAt);
                assertThat(client.isConnected()).isTrue();
                assertThat(client.getRemoteAddress()).isEqualTo(serverAt);
                assertThat(server.getRemoteAddress()).isEqualTo(clientAt);
                InetSocketAddress elsewhere = new InetSocketAddress(endpoints.serverAddress(), port(22));
                assertThatThrownBy(() -> client.send(ascii("x"), elsewhere)).isExactlyInstanceOf(AlreadyConnectedException.class);

                assertThat(client.write(ByteBuffer.wrap(ping))).isEqualTo(1000);
                buffer.clear();
                assertThat(server.read(buffer)).isEqualTo(1000);
                assertSameBytes(drain(buffer), ping);
                assertThat(server.write(ByteBuffer.wrap(pong))).isEqualTo(1000);
                buffer.clear();
                assertThat(client.read(buffer)).isEqualTo(1000);
                assertSameBytes(drain(buffer), pong);

                client.configureBlocking(false);
                assertThat(client.receive(ByteBuffer.allocate(16))).as("non-blocking receive with nothing waiting").isNull();
                assertThat(client.read(ByteBuffer.allocate(16))).as("non-blocking read with nothing waiting").isZero();
                client.disconnect();
                assertThat(client.isConnected()).isFalse();
                assertThat(client.receive(ByteBuffer.allocate(16))).isNull();
            }
        });
    }

    @Test
    @Timeout(30)
    public void datagramArrivalWakesASelectorAndALongDatagramIsTruncated() throws Exception {
        InetSocketAddress serverAt = serverAt(23);
        program(() -> {
            InetSocketAddress clientAt = clientAt(24);
            byte[] message = randomBytes(9, 1000);
            try (DatagramChannel server = server().openDatagramChannel();
                    DatagramChannel client = client().openDatagramChannel();
                    Selector selector = server().openSelector()) {
                server.bind(serverAt);
                client.bind(clientAt);
                server.configureBlocking(false);
                SelectionKey key = server.register(selector, OP_READ);
                assertThat(selector.selectNow()).isZero();

                assertThat(client.send(ByteBuffer.wrap(message), serverAt)).isEqualTo(1000);
                awaitReady(selector, key, OP_READ);
                ByteBuffer small = ByteBuffer.allocate(100);
                assertThat(server.receive(small)).isEqualTo(clientAt);
                assertThat(small.position()).as("bytes of a 1000-byte datagram kept by a 100-byte buffer").isEqualTo(100);
                assertSameBytes(drain(small), Arrays.copyOf(message, 100));
                assertThat(server.receive(ByteBuffer.allocate(2000))).as("the rest of the datagram is discarded").isNull();
            }
        });
    }

    // ---------------------------------------------------------------- the selector echo

    /** The server of {@link #oneSelectorServesFiftyClientsAtOnce}: one selector, every connection. */
    private void serveEchoes(ServerSocketChannel listener, int clients) throws IOException {
        try (Selector selector = server().openSelector()) {
            listener.configureBlocking(false);
            listener.register(selector, OP_ACCEPT);
            int accepted = 0;
            int finished = 0;
            int idle = 0;
            while (finished < clients) {
                if (selector.select(PATIENCE) == 0) {
                    if (++idle == 3) {
                        fail("server stalled: " + accepted + " accepted, " + finished + " finished");
                    }
                    continue;
                }
                idle = 0;
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.isAcceptable()) {
                        for (SocketChannel c; (c = listener.accept()) != null; ) {
                            c.configureBlocking(false);
                            c.register(selector, OP_READ, ByteBuffer.allocate(4096));
                            accepted++;
                        }
                        if (accepted == clients) {
                            key.cancel(); // everybody came: stop accepting
                        }
                        continue;
                    }
                    SocketChannel c = (SocketChannel) key.channel();
                    ByteBuffer pending = (ByteBuffer) key.attachment();
                    if (key.isReadable()) {
                        if (c.read(pending) < 0) {
                            c.close(); // everything read was echoed: interest was OP_READ
                            finished++;
                            continue;
                        }
                        if (pending.position() > 0) {
                            key.interestOps(OP_WRITE); // no more reading until this is echoed
                        }
                    }
                    if (key.isWritable()) {
                        pending.flip();
                        c.write(pending);
                        pending.compact();
                        if (pending.position() == 0) {
                            key.interestOps(OP_READ);
                        }
                    }
                }
            }
            selector.selectNow();
            assertThat(selector.keys()).as("server keys after every connection closed").isEmpty();
        }
    }

    /** The clients of {@link #oneSelectorServesFiftyClientsAtOnce}: one selector, every connection. */
    private static void converse(Selector selector, int clients) throws IOException {
        int done = 0;
        int idle = 0;
        while (done < clients) {
            if (selector.select(PATIENCE) == 0) {
                if (++idle == 3) {
                    fail("clients stalled: " + done + " of " + clients + " done");
                }
                continue;
            }
            idle = 0;
            for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey key = it.next();
                it.remove();
                SocketChannel c = (SocketChannel) key.channel();
                Conversation conversation = (Conversation) key.attachment();
                if (key.isConnectable()) {
                    if (c.finishConnect()) {
                        key.interestOps(OP_READ | OP_WRITE);
                    }
                    continue;
                }
                if (key.isWritable()) {
                    c.write(conversation.out);
                    if (!conversation.out.hasRemaining()) {
                        c.shutdownOutput();
                        key.interestOps(OP_READ);
                    }
                }
                if (key.isReadable()) {
                    if (c.read(conversation.in) < 0) {
                        assertSameBytes(drain(conversation.in), conversation.message);
                        c.close();
                        done++;
                    } else if (!conversation.in.hasRemaining()) {
                        fail("more bytes echoed than sent");
                    }
                }
            }
        }
    }

    /** One client's part of the selector echo; {@code in} holds one byte more than is sent. */
    private static final class Conversation {
        final byte[] message;
        final ByteBuffer out;
        final ByteBuffer in;

        Conversation(byte[] message) {
            this.message = message;
            this.out = ByteBuffer.wrap(message);
            this.in = ByteBuffer.allocate(message.length + 1);
        }
    }

    // ---------------------------------------------------------------- helpers

    private SelectorProvider server() {
        return endpoints.server();
    }

    private SelectorProvider client() {
        return endpoints.client();
    }

    private InetSocketAddress serverAt(int index) {
        return new InetSocketAddress(endpoints.serverAddress(), port(index));
    }

    private InetSocketAddress clientAt(int index) {
        return new InetSocketAddress(endpoints.clientAddress(), port(index));
    }

    /** A test body, run as the program's thread. */
    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    private void program(Body body) throws Exception {
        endpoints.run(() -> {
            body.run();
            return null;
        });
    }

    /** Waits about {@code millis} on a selector with no keys: time the providers' clocks can see. */
    private void pause(long millis) throws IOException {
        try (Selector timer = server().openSelector()) {
            timer.select(millis);
        }
    }

    private Background background(String name, Body body) {
        Background background = new Background();
        background.thread = endpoints.start(name, () -> {
            try {
                body.run();
            } catch (Throwable failure) {
                background.failure = failure;
            }
        });
        return background;
    }

    /**
     * A helper thread of the program. {@link #await()} joins it and rethrows what it threw; closing
     * does not wait, but rethrows a failure already recorded (so that a helper's failure shows next
     * to the program's, whose cause it often is).
     */
    private static final class Background implements AutoCloseable {
        Thread thread;
        volatile Throwable failure;
        private boolean reported;

        void await() throws Exception {
            thread.join();
            rethrow();
        }

        @Override
        public void close() throws Exception {
            rethrow();
        }

        private void rethrow() throws Exception {
            Throwable f = failure;
            if (f == null || reported) {
                return;
            }
            reported = true;
            if (f instanceof Exception e) {
                throw e;
            }
            if (f instanceof Error e) {
                throw e;
            }
            throw new AssertionError(f);
        }
    }

    /** Selects until key is ready for all of ops; fails if the selector stays silent too long. */
    private static void awaitReady(Selector selector, SelectionKey key, int ops) throws IOException {
        int idle = 0;
        while (idle < 3) {
            selector.selectedKeys().clear();
            if (selector.select(PATIENCE) == 0) {
                idle++;
                continue;
            }
            if (selector.selectedKeys().contains(key) && (key.readyOps() & ops) == ops) {
                return;
            }
        }
        fail("key never became ready for " + ops + "; ready: " + key.readyOps());
    }

    private static void echoUntilEof(SocketChannel c) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (c.read(buffer) >= 0) {
            buffer.flip();
            writeFully(c, buffer);
            buffer.clear();
        }
    }

    private static void writeFully(SocketChannel c, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            c.write(buffer);
        }
    }

    /** Reads a blocking channel to end of stream; fails if more than max bytes come. */
    private static byte[] readToEof(SocketChannel c, int max) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(max + 1);
        while (c.read(buffer) >= 0) {
            if (!buffer.hasRemaining()) {
                fail("more than " + max + " bytes before end of stream");
            }
        }
        return drain(buffer);
    }

    private static byte[] readExactly(SocketChannel c, int n) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(n);
        while (buffer.hasRemaining()) {
            if (c.read(buffer) < 0) {
                fail("end of stream after " + buffer.position() + " of " + n + " bytes");
            }
        }
        return drain(buffer);
    }

    /** The bytes written into buffer so far (flips it). */
    private static byte[] drain(ByteBuffer buffer) {
        buffer.flip();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(US_ASCII));
    }

    private static byte[] randomBytes(long seed, int n) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static void assertSameBytes(byte[] actual, byte[] expected) {
        assertThat(actual.length).as("byte count").isEqualTo(expected.length);
        assertThat(Arrays.mismatch(actual, expected)).as("index of the first differing byte").isEqualTo(-1);
    }

    private static void assertClosed(ThrowingCallable operation) {
        assertThatThrownBy(operation).isExactlyInstanceOf(ClosedChannelException.class);
    }

    private static void closeAll(List<? extends AutoCloseable> resources) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
