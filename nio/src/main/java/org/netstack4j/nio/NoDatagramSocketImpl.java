package org.netstack4j.nio;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;

/** The implementation under the datagram socket adaptor: every call goes to its channel, so this one refuses all. */
final class NoDatagramSocketImpl extends DatagramSocketImpl {
    private static SocketException refused() {
        return new SocketException("a netstack4j datagram socket adaptor works through its channel");
    }

    @Override
    protected void create() throws SocketException {
        throw refused();
    }

    @Override
    protected void bind(int lport, InetAddress laddr) throws SocketException {
        throw refused();
    }

    @Override
    protected void send(DatagramPacket p) throws IOException {
        throw refused();
    }

    @Override
    protected int peek(InetAddress i) throws IOException {
        throw refused();
    }

    @Override
    protected int peekData(DatagramPacket p) throws IOException {
        throw refused();
    }

    @Override
    protected void receive(DatagramPacket p) throws IOException {
        throw refused();
    }

    @Override
    @Deprecated(forRemoval = true)
    @SuppressWarnings("removal") // the abstract class still declares it: it must be implemented
    protected void setTTL(byte ttl) throws IOException {
        throw refused();
    }

    @Override
    @Deprecated(forRemoval = true)
    @SuppressWarnings("removal")
    protected byte getTTL() throws IOException {
        throw refused();
    }

    @Override
    protected void setTimeToLive(int ttl) throws IOException {
        throw refused();
    }

    @Override
    protected int getTimeToLive() throws IOException {
        throw refused();
    }

    @Override
    protected void join(InetAddress inetaddr) throws IOException {
        throw refused();
    }

    @Override
    protected void leave(InetAddress inetaddr) throws IOException {
        throw refused();
    }

    @Override
    protected void joinGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
        throw refused();
    }

    @Override
    protected void leaveGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
        throw refused();
    }

    @Override
    protected void close() {
    }

    @Override
    public void setOption(int optID, Object value) throws SocketException {
        throw refused();
    }

    @Override
    public Object getOption(int optID) throws SocketException {
        throw refused();
    }
}
