package org.netstack4j.wire;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class DhcpMessageTest {
    static final long MAC = 0x5254_0012_3456L;

    @Test
    void aServerReplyReadsBack() {
        byte[] m = DhcpMessage.serverMessage(DhcpMessage.ACK, 0x1234_5678, MAC, Ipv4Address.parseBits("10.0.2.15"),
                Ipv4Address.parseBits("10.0.2.2"), Ipv4Address.mask(24), Ipv4Address.parseBits("10.0.2.2"),
                Ipv4Address.parseBits("10.0.2.3"), 86_400);
        var r = ((DhcpMessage.Parsed) DhcpMessage.parse(m, m.length)).reply();
        assertThat(r.type()).isEqualTo(DhcpMessage.ACK);
        assertThat(r.xid()).isEqualTo(0x1234_5678);
        assertThat(r.clientMac()).isEqualTo(MAC);
        assertThat(Ipv4Address.format(r.yourAddress())).isEqualTo("10.0.2.15");
        assertThat(r.prefix()).isEqualTo(24);
        assertThat(r.routers()).containsExactly(Ipv4Address.parseBits("10.0.2.2"));
        assertThat(r.dnsServers()).containsExactly(Ipv4Address.parseBits("10.0.2.3"));
        assertThat(r.leaseSeconds()).isEqualTo(86_400);
        assertThat(r.t1Seconds()).isEqualTo(-1);
    }

    @Test
    void aClientMessageCarriesItsTypeRequestedAddressAndTheBootpMinimum() {
        byte[] m = DhcpMessage.clientMessage(DhcpMessage.REQUEST, 7, MAC, 0, 0, Ipv4Address.parseBits("10.0.2.15"),
                Ipv4Address.parseBits("10.0.2.2"), "host", true);
        assertThat(m.length).isGreaterThanOrEqualTo(300);
        assertThat(m[0]).isEqualTo((byte) 1);
        assertThat(DhcpMessage.type(m, m.length)).isEqualTo(DhcpMessage.REQUEST);
        assertThat(DhcpMessage.requestedAddress(m, m.length)).isEqualTo(Ipv4Address.parseBits("10.0.2.15"));
        assertThat(DhcpMessage.xid(m)).isEqualTo(7);
        assertThat(m[10] & 0xFF).isEqualTo(0x80); // broadcast flag
        // A client message is not something a client accepts.
        assertThat(DhcpMessage.parse(m, m.length)).isInstanceOf(DhcpMessage.Malformed.class);
    }

    @Test
    void anyBytesGetAVerdict() {
        SplittableRandom random = new SplittableRandom(5);
        byte[] good = DhcpMessage.serverMessage(DhcpMessage.OFFER, 1, MAC, 1, 2, Ipv4Address.mask(24), 3, 4, 60);
        int parsed = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] m = good.clone();
            for (int k = random.nextInt(1, 8); k > 0; k--) {
                m[random.nextInt(m.length)] = (byte) random.nextInt(256);
            }
            int length = random.nextInt(m.length + 1);
            DhcpMessage.Parse p = DhcpMessage.parse(m, length);
            assertThat(p).isNotNull();
            if (p instanceof DhcpMessage.Parsed) {
                parsed++;
            }
            DhcpMessage.type(m, length);
        }
        assertThat(parsed).isPositive();
        assertThat(DhcpMessage.parse(new byte[10], 10)).isInstanceOf(DhcpMessage.Malformed.class);
    }
}
