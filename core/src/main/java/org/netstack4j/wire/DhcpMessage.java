package org.netstack4j.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * DHCP messages (RFC 2131 over the BOOTP layout of RFC 951, options of RFC 2132) as byte
 * arrays: the client builds DISCOVER, REQUEST and RELEASE, and reads what servers send. Any
 * input gets a verdict: {@link #parse} answers {@link Parsed} or {@link Malformed}, never throws.
 */
public final class DhcpMessage {
    public static final int SERVER_PORT = 67;
    public static final int CLIENT_PORT = 68;
    /** Fixed BOOTP part before the options' magic cookie. */
    static final int FIXED = 236;
    static final int COOKIE = 0x63825363;
    static final int OP_REQUEST = 1;
    static final int OP_REPLY = 2;
    /** Ask servers to broadcast their replies: we cannot take unicast before we have an address. */
    public static final int FLAG_BROADCAST = 0x8000;

    // Message types (option 53).
    public static final int DISCOVER = 1;
    public static final int OFFER = 2;
    public static final int REQUEST = 3;
    public static final int DECLINE = 4;
    public static final int ACK = 5;
    public static final int NAK = 6;
    public static final int RELEASE = 7;

    // Options.
    static final int OPT_PAD = 0;
    static final int OPT_SUBNET_MASK = 1;
    static final int OPT_ROUTER = 3;
    static final int OPT_DNS = 6;
    static final int OPT_HOSTNAME = 12;
    static final int OPT_REQUESTED_IP = 50;
    static final int OPT_LEASE = 51;
    static final int OPT_MESSAGE_TYPE = 53;
    static final int OPT_SERVER_ID = 54;
    static final int OPT_PARAMETERS = 55;
    static final int OPT_T1 = 58;
    static final int OPT_T2 = 59;
    static final int OPT_CLIENT_ID = 61;
    static final int OPT_END = 255;

    private DhcpMessage() {
    }

    /** What a server said, with the options a client uses (0 or -1 where absent). */
    public record Reply(int type, int xid, long clientMac, int yourAddress, int serverId, int subnetMask,
                        List<Integer> routers, List<Integer> dnsServers, long leaseSeconds, long t1Seconds,
                        long t2Seconds) {
        /** The prefix length of the subnet mask (-1 if the mask is absent or not contiguous). */
        public int prefix() {
            if (subnetMask == 0) {
                return -1;
            }
            int p = Integer.bitCount(subnetMask);
            return Ipv4Address.mask(p) == subnetMask ? p : -1;
        }
    }

    public sealed interface Parse permits Parsed, Malformed {
    }

    public record Parsed(Reply reply) implements Parse {
    }

    public record Malformed(String reason) implements Parse {
    }

    /**
     * A client message: DISCOVER (requested 0), REQUEST in SELECTING (requested and server set,
     * ciaddr 0), REQUEST when renewing or rebinding (ciaddr set, no requested/server), RELEASE
     * (ciaddr and server set), DECLINE (requested and server set).
     */
    public static byte[] clientMessage(int type, int xid, long mac, int secs, int clientAddress, int requested,
                                       int serverId, String hostname, boolean broadcast) {
        ByteBuffer b = ByteBuffer.allocate(FIXED + 4 + 64);
        b.put((byte) OP_REQUEST).put((byte) 1).put((byte) 6).put((byte) 0);
        b.putInt(xid);
        b.putShort((short) secs);
        b.putShort((short) (broadcast ? FLAG_BROADCAST : 0));
        b.putInt(clientAddress);           // ciaddr
        b.putInt(0);                       // yiaddr
        b.putInt(0);                       // siaddr
        b.putInt(0);                       // giaddr
        b.putShort((short) (mac >>> 32)).putInt((int) mac); // chaddr: 6 bytes of 16
        b.position(FIXED);
        b.putInt(COOKIE);
        b.put((byte) OPT_MESSAGE_TYPE).put((byte) 1).put((byte) type);
        b.put((byte) OPT_CLIENT_ID).put((byte) 7).put((byte) 1).putShort((short) (mac >>> 32)).putInt((int) mac);
        if (requested != 0) {
            b.put((byte) OPT_REQUESTED_IP).put((byte) 4).putInt(requested);
        }
        if (serverId != 0) {
            b.put((byte) OPT_SERVER_ID).put((byte) 4).putInt(serverId);
        }
        if (type == DISCOVER || type == REQUEST) {
            b.put((byte) OPT_PARAMETERS).put((byte) 6).put((byte) OPT_SUBNET_MASK).put((byte) OPT_ROUTER)
                    .put((byte) OPT_DNS).put((byte) OPT_LEASE).put((byte) OPT_T1).put((byte) OPT_T2);
            if (hostname != null && !hostname.isEmpty()) {
                byte[] name = hostname.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                int n = Math.min(name.length, 32);
                b.put((byte) OPT_HOSTNAME).put((byte) n).put(name, 0, n);
            }
        }
        b.put((byte) OPT_END);
        // Some servers want at least the 300-byte BOOTP minimum.
        int length = Math.max(b.position(), 300);
        byte[] out = new byte[length];
        System.arraycopy(b.array(), 0, out, 0, b.position());
        return out;
    }

    /** Reads a server's reply. */
    public static Parse parse(byte[] data, int length) {
        if (length < FIXED + 4 || length > data.length) {
            return new Malformed("too short for BOOTP and the magic cookie: " + length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(data, 0, length);
        if ((b.get(0) & 0xFF) != OP_REPLY) {
            return new Malformed("not a BOOTREPLY");
        }
        if ((b.get(1) & 0xFF) != 1 || (b.get(2) & 0xFF) != 6) {
            return new Malformed("not Ethernet hardware addresses");
        }
        if (b.getInt(FIXED) != COOKIE) {
            return new Malformed("no DHCP magic cookie");
        }
        int xid = b.getInt(4);
        int yiaddr = b.getInt(16);
        long mac = ((long) (b.getShort(28) & 0xFFFF) << 32) | (b.getInt(30) & 0xFFFF_FFFFL);
        int type = 0;
        int serverId = 0;
        int mask = 0;
        List<Integer> routers = new ArrayList<>();
        List<Integer> dns = new ArrayList<>();
        long lease = -1;
        long t1 = -1;
        long t2 = -1;
        int i = FIXED + 4;
        while (i < length) {
            int code = b.get(i) & 0xFF;
            if (code == OPT_END) {
                break;
            }
            if (code == OPT_PAD) {
                i++;
                continue;
            }
            if (i + 1 >= length) {
                return new Malformed("option " + code + " has no length");
            }
            int n = b.get(i + 1) & 0xFF;
            int at = i + 2;
            if (at + n > length) {
                return new Malformed("option " + code + " runs past the end");
            }
            switch (code) {
                case OPT_MESSAGE_TYPE -> type = n == 1 ? b.get(at) & 0xFF : -1;
                case OPT_SERVER_ID -> serverId = n == 4 ? b.getInt(at) : 0;
                case OPT_SUBNET_MASK -> mask = n == 4 ? b.getInt(at) : 0;
                case OPT_ROUTER -> addresses(b, at, n, routers);
                case OPT_DNS -> addresses(b, at, n, dns);
                case OPT_LEASE -> lease = n == 4 ? b.getInt(at) & 0xFFFF_FFFFL : -1;
                case OPT_T1 -> t1 = n == 4 ? b.getInt(at) & 0xFFFF_FFFFL : -1;
                case OPT_T2 -> t2 = n == 4 ? b.getInt(at) & 0xFFFF_FFFFL : -1;
                default -> { }
            }
            i = at + n;
        }
        if (type < OFFER || type > NAK || type == REQUEST || type == DECLINE) {
            return new Malformed("not a server message (type " + type + ")");
        }
        return new Parsed(new Reply(type, xid, mac, yiaddr, serverId, mask, List.copyOf(routers), List.copyOf(dns),
                lease, t1, t2));
    }

    private static void addresses(ByteBuffer b, int at, int n, List<Integer> out) {
        for (int k = 0; k + 4 <= n; k += 4) {
            out.add(b.getInt(at + k));
        }
    }

    /** A server's reply (for tests and small servers): the fixed part and the given options. */
    public static byte[] serverMessage(int type, int xid, long mac, int yourAddress, int serverId, int mask,
                                       int router, int dnsServer, long leaseSeconds) {
        return serverMessage(type, xid, mac, yourAddress, serverId, mask, router, dnsServer, leaseSeconds, -1, -1);
    }

    /** As above, with the renewal (T1) and rebinding (T2) times as options 58 and 59 (-1: left out). */
    public static byte[] serverMessage(int type, int xid, long mac, int yourAddress, int serverId, int mask,
                                       int router, int dnsServer, long leaseSeconds, long t1Seconds, long t2Seconds) {
        ByteBuffer b = ByteBuffer.allocate(FIXED + 4 + 64);
        b.put((byte) OP_REPLY).put((byte) 1).put((byte) 6).put((byte) 0);
        b.putInt(xid);
        b.putShort((short) 0).putShort((short) FLAG_BROADCAST);
        b.putInt(0).putInt(yourAddress).putInt(serverId).putInt(0);
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
        b.position(FIXED);
        b.putInt(COOKIE);
        b.put((byte) OPT_MESSAGE_TYPE).put((byte) 1).put((byte) type);
        b.put((byte) OPT_SERVER_ID).put((byte) 4).putInt(serverId);
        if (type != NAK) {
            b.put((byte) OPT_SUBNET_MASK).put((byte) 4).putInt(mask);
            if (router != 0) {
                b.put((byte) OPT_ROUTER).put((byte) 4).putInt(router);
            }
            if (dnsServer != 0) {
                b.put((byte) OPT_DNS).put((byte) 4).putInt(dnsServer);
            }
            b.put((byte) OPT_LEASE).put((byte) 4).putInt((int) leaseSeconds);
            if (t1Seconds >= 0) {
                b.put((byte) OPT_T1).put((byte) 4).putInt((int) t1Seconds);
            }
            if (t2Seconds >= 0) {
                b.put((byte) OPT_T2).put((byte) 4).putInt((int) t2Seconds);
            }
        }
        b.put((byte) OPT_END);
        byte[] out = new byte[Math.max(b.position(), 300)];
        System.arraycopy(b.array(), 0, out, 0, b.position());
        return out;
    }

    /** The client's transaction id and MAC, read back from a client message (servers and tests). */
    public static int xid(byte[] data) {
        return ByteBuffer.wrap(data).getInt(4);
    }

    /** The DHCP message type of any message (client or server), or -1. */
    public static int type(byte[] data, int length) {
        if (length < FIXED + 4) {
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(data, 0, length);
        for (int i = FIXED + 4; i + 1 < length; ) {
            int code = b.get(i) & 0xFF;
            if (code == OPT_END) {
                return -1;
            }
            if (code == OPT_PAD) {
                i++;
                continue;
            }
            int n = b.get(i + 1) & 0xFF;
            if (code == OPT_MESSAGE_TYPE && n == 1 && i + 2 < length) {
                return b.get(i + 2) & 0xFF;
            }
            i += 2 + n;
        }
        return -1;
    }

    /** Option 50 (requested address) or ciaddr of a client message, for servers and tests. */
    public static int requestedAddress(byte[] data, int length) {
        ByteBuffer b = ByteBuffer.wrap(data, 0, length);
        for (int i = FIXED + 4; i + 1 < length; ) {
            int code = b.get(i) & 0xFF;
            if (code == OPT_END) {
                break;
            }
            if (code == OPT_PAD) {
                i++;
                continue;
            }
            int n = b.get(i + 1) & 0xFF;
            if (code == OPT_REQUESTED_IP && n == 4 && i + 6 <= length) {
                return b.getInt(i + 2);
            }
            i += 2 + n;
        }
        return length >= 16 ? b.getInt(12) : 0;
    }
}
