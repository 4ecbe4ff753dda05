package org.netstack4j.wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Ipv4AddressTest {

    @Test
    void parsesAndFormatsDottedQuads() {
        assertThat(Ipv4Address.parseBits("10.0.2.15")).isEqualTo(0x0A00020F);
        assertThat(Ipv4Address.parseBits("255.255.255.255")).isEqualTo(0xFFFFFFFF);
        assertThat(Ipv4Address.parseBits("0.0.0.0")).isZero();
        assertThat(Ipv4Address.parseBits("128.52.129.126")).isEqualTo(0x8034817E);
        assertThat(Ipv4Address.format(0xC0A80001)).isEqualTo("192.168.0.1");
        assertThat(Ipv4Address.parse("10.0.2.2")).isEqualTo(new Ipv4Address(0x0A000202));
        assertThat(new Ipv4Address(0x0A000202)).hasToString("10.0.2.2");
        assertThat(Ipv4Address.ANY.bits()).isZero();
        assertThat(Ipv4Address.BROADCAST).hasToString("255.255.255.255");
    }

    @Test
    void formatThenParseIsTheIdentity() {
        SplittableRandom rnd = new SplittableRandom(791);
        for (int i = 0; i < 20_000; i++) {
            int bits = rnd.nextInt();
            assertThat(Ipv4Address.parseBits(Ipv4Address.format(bits))).isEqualTo(bits);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "1.2.3.1000", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4",
            "1..3.4", "1.2.3.", ".1.2.3", "a.b.c.d", "1.2.3.-4", "1.2.3.+4", "1,2,3,4", "1.2.3.4/24", "١.٢.٣.٤"})
    void refusesBadTextWithAClearMessage(String text) {
        assertThatThrownBy(() -> Ipv4Address.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad IPv4 address \"" + text + "\"");
    }

    @Test
    void masksAndSubnets() {
        assertThat(Ipv4Address.mask(0)).isZero();
        assertThat(Ipv4Address.mask(8)).isEqualTo(0xFF000000);
        assertThat(Ipv4Address.mask(24)).isEqualTo(0xFFFFFF00);
        assertThat(Ipv4Address.mask(31)).isEqualTo(0xFFFFFFFE);
        assertThat(Ipv4Address.mask(32)).isEqualTo(0xFFFFFFFF);
        assertThatThrownBy(() -> Ipv4Address.mask(33)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ipv4Address.mask(-1)).isInstanceOf(IllegalArgumentException.class);

        int a = Ipv4Address.parseBits("10.0.2.15");
        assertThat(Ipv4Address.sameSubnet(a, Ipv4Address.parseBits("10.0.2.2"), 24)).isTrue();
        assertThat(Ipv4Address.sameSubnet(a, Ipv4Address.parseBits("10.0.3.2"), 24)).isFalse();
        assertThat(Ipv4Address.sameSubnet(a, Ipv4Address.parseBits("10.0.3.2"), 16)).isTrue();
        assertThat(Ipv4Address.sameSubnet(a, Ipv4Address.parseBits("200.1.1.1"), 0)).isTrue();
        assertThat(Ipv4Address.sameSubnet(a, a + 1, 32)).isFalse();
    }

    @Test
    void addressKinds() {
        assertThat(Ipv4Address.isMulticast(Ipv4Address.parseBits("224.0.0.1"))).isTrue();
        assertThat(Ipv4Address.isMulticast(Ipv4Address.parseBits("239.255.255.255"))).isTrue();
        assertThat(Ipv4Address.isMulticast(Ipv4Address.parseBits("223.255.255.255"))).isFalse();
        assertThat(Ipv4Address.isMulticast(Ipv4Address.parseBits("240.0.0.0"))).isFalse();
        assertThat(Ipv4Address.parse("224.0.0.251").isMulticast()).isTrue();
        assertThat(Ipv4Address.isBroadcast(0xFFFFFFFF)).isTrue();
        assertThat(Ipv4Address.BROADCAST.isBroadcast()).isTrue();
        assertThat(Ipv4Address.isBroadcast(Ipv4Address.parseBits("10.0.2.255"))).isFalse();
        assertThat(Ipv4Address.isLoopback(Ipv4Address.parseBits("127.0.0.1"))).isTrue();
        assertThat(Ipv4Address.isLoopback(Ipv4Address.parseBits("128.0.0.1"))).isFalse();
    }

    @Test
    void cidrParsesAndAnswersSubnetQuestions() {
        Ipv4Cidr c = Ipv4Cidr.parse("10.0.2.15/24");
        assertThat(c.address()).isEqualTo(0x0A00020F);
        assertThat(c.prefix()).isEqualTo(24);
        assertThat(c.mask()).isEqualTo(0xFFFFFF00);
        assertThat(c.network()).isEqualTo(0x0A000200);
        assertThat(c.broadcast()).isEqualTo(0x0A0002FF);
        assertThat(c.contains(Ipv4Address.parseBits("10.0.2.2"))).isTrue();
        assertThat(c.contains(Ipv4Address.parseBits("10.0.1.2"))).isFalse();
        assertThat(c).hasToString("10.0.2.15/24");
        assertThat(Ipv4Cidr.parse("0.0.0.0/0").contains(0x01020304)).isTrue();
        assertThat(Ipv4Cidr.parse("10.0.2.15/32").broadcast()).isEqualTo(0x0A00020F);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.2.15", "10.0.2.15/", "10.0.2.15/33", "10.0.2.15/-1", "10.0.2.15/2a", "10.0.2/24",
            "10.0.2.15/024", "/24"})
    void cidrRefusesBadText(String text) {
        assertThatThrownBy(() -> Ipv4Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(text.isEmpty() ? "" : "bad");
        assertThatThrownBy(() -> new Ipv4Cidr(0, 33)).isInstanceOf(IllegalArgumentException.class);
    }
}
