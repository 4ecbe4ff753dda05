package org.netstack4j.nio;

import org.netstack4j.stack.Host;
import org.netstack4j.wire.Ipv4Address;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/** Between java.net's addresses and netstack4j's 32-bit IPv4 addresses, and its errors and the JDK's. */
final class Addresses {
    /** A bound port of 0 is remembered as this until the stack picks one. */
    static final int EPHEMERAL_MARK = -1;

    private Addresses() {
    }

    static InetSocketAddress inet(SocketAddress a) {
        if (a == null) {
            throw new IllegalArgumentException("no address");
        }
        if (!(a instanceof InetSocketAddress isa)) {
            throw new UnsupportedAddressTypeException();
        }
        if (isa.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        if (!(isa.getAddress() instanceof Inet4Address) && !isa.getAddress().isAnyLocalAddress()) {
            throw new UnsupportedAddressTypeException(); // netstack4j speaks IPv4
        }
        return isa;
    }

    static int bits(InetSocketAddress a) {
        if (a.getAddress().isAnyLocalAddress()) {
            return 0;
        }
        byte[] b = a.getAddress().getAddress();
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | b[3] & 0xFF;
    }

    static InetAddress inet(int bits) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8),
                    (byte) bits});
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** A local address must be the wildcard or one of the host's own. */
    static void checkLocal(Host host, InetSocketAddress a) throws IOException {
        int bits = bits(a);
        if (bits != 0 && !host.hasAddress(bits)) {
            throw new java.net.BindException("Cannot assign requested address: " + Ipv4Address.format(bits));
        }
    }

    /** The JDK's exception for a connect that the stack refused at once. */
    static IOException connectFailure(SocketException e, InetSocketAddress to) {
        if (e instanceof NoRouteToHostException || e instanceof java.net.BindException) {
            return e;
        }
        ConnectException c = new ConnectException(e.getMessage() + " (" + to + ")");
        c.initCause(e);
        return c;
    }

    /** An address a channel gives, or null once it is closed: what the socket adaptors answer, as the JDK's do. */
    @FunctionalInterface
    interface AddressCall {
        SocketAddress get() throws IOException;
    }

    static InetSocketAddress quietly(AddressCall call) {
        try {
            return (InetSocketAddress) call.get();
        } catch (IOException closed) {
            return null;
        }
    }

    /** A channel's option set through an adaptor: java.net's setters throw SocketException only. */
    static <T> void setOption(java.nio.channels.NetworkChannel ch, java.net.SocketOption<T> name, T value)
            throws SocketException {
        try {
            ch.setOption(name, value);
        } catch (IOException e) {
            throw asSocketException(e);
        }
    }

    static <T> T getOption(java.nio.channels.NetworkChannel ch, java.net.SocketOption<T> name) throws SocketException {
        try {
            return ch.getOption(name);
        } catch (IOException e) {
            throw asSocketException(e);
        }
    }

    static SocketException asSocketException(IOException e) {
        return e instanceof SocketException se ? se : new SocketException(e.getMessage());
    }

    /** The JDK's words for a write on a connection the peer reset. */
    static IOException ioFailure(SocketException e) {
        return e.getMessage() != null && e.getMessage().contains("reset") ? new SocketException("Connection reset") : e;
    }
}
