package org.netstack4j.hw.link;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a switch in another process listens: {@code unix:PATH} (a Unix stream socket, QEMU's
 * {@code -netdev stream} framing) or {@code udp:PORT} (a UDP socket on 127.0.0.1, one frame per
 * datagram as QEMU's {@code -netdev dgram} sends them). UDP is loopback only: {@code udp:PORT},
 * {@code udp:127.0.0.1:PORT} and {@code udp:localhost:PORT} are accepted, any other host is refused.
 * Port 0 means "any free port" and is only meaningful to a switch that listens.
 *
 * @param kind the socket kind
 * @param path the socket file (Unix only, else null)
 * @param port the UDP port on 127.0.0.1 (UDP only, else -1)
 */
public record SwitchAddress(Kind kind, Path path, int port) {
    /** The socket kinds a switch speaks. */
    public enum Kind {
        /** A Unix stream socket: a 4-byte big-endian length, then the frame. */
        UNIX,
        /** A UDP socket on loopback: one frame per datagram. */
        UDP
    }

    /** 127.0.0.1, the only address a UDP switch or link uses. */
    public static final InetAddress LOOPBACK = loopback();

    public SwitchAddress {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.UNIX) {
            Objects.requireNonNull(path, "path");
            port = -1;
        } else {
            path = null;
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("UDP port out of range 0..65535: " + port);
            }
        }
    }

    public static SwitchAddress unix(Path path) {
        return new SwitchAddress(Kind.UNIX, path, -1);
    }

    public static SwitchAddress udp(int port) {
        return new SwitchAddress(Kind.UDP, null, port);
    }

    /**
     * Parses {@code unix:PATH}, {@code udp:PORT} or {@code udp:127.0.0.1:PORT}; the message of the
     * {@link IllegalArgumentException} for anything else is one line saying what is expected.
     */
    public static SwitchAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.startsWith("unix:")) {
            String p = text.substring("unix:".length());
            if (p.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "': a socket path is needed after unix:");
            }
            if (p.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("'" + text + "': the path contains a NUL character");
            }
            return unix(Path.of(p));
        }
        if (text.startsWith("udp:")) {
            String rest = text.substring("udp:".length());
            int colon = rest.lastIndexOf(':');
            if (colon >= 0) {
                String host = rest.substring(0, colon);
                if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
                    throw new IllegalArgumentException("'" + text + "': a UDP switch is on loopback only (udp:PORT or "
                            + "udp:127.0.0.1:PORT), not on " + host);
                }
                rest = rest.substring(colon + 1);
            }
            int port;
            try {
                port = Integer.parseInt(rest);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': expected a port number after udp:");
            }
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("'" + text + "': port out of range 0..65535");
            }
            return udp(port);
        }
        throw new IllegalArgumentException("'" + text + "': expected unix:PATH or udp:PORT");
    }

    /** The socket address: a {@link UnixDomainSocketAddress}, or 127.0.0.1 and the port. */
    public SocketAddress socketAddress() {
        return kind == Kind.UNIX ? UnixDomainSocketAddress.of(path) : new InetSocketAddress(LOOPBACK, port);
    }

    /** The same address with another UDP port (a switch reports the port it was given for 0). */
    public SwitchAddress withPort(int newPort) {
        if (kind != Kind.UDP) {
            throw new IllegalStateException("not a UDP address: " + this);
        }
        return udp(newPort);
    }

    /** {@code unix:PATH} or {@code udp:127.0.0.1:PORT}, which {@link #parse} reads back. */
    @Override
    public String toString() {
        return kind == Kind.UNIX ? "unix:" + path : "udp:127.0.0.1:" + port;
    }

    private static InetAddress loopback() {
        try {
            return Inet4Address.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
