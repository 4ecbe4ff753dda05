package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.socket.DhcpClient;
import org.netstack4j.wire.Ipv4Address;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Our DHCP client against Linux's dnsmasq in a namespace: it takes a lease, renews it at T1,
 * answers ping at the leased address, and releases it on close.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TapDhcpTest {
    private static final Duration T = RealPeers.TOOL_TIMEOUT;

    @Test
    void leaseRenewPingRelease() throws Exception {
        RealPeers.require("dnsmasq", "ping");
        try (TapLab lab = TapLab.create()) {
            Netns.Background dnsmasq = lab.ns().start("dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                    "--port=0", "--bind-interfaces", "--interface=" + lab.tapName(), "--except-interface=lo",
                    "--dhcp-range=10.0.2.100,10.0.2.150,255.255.255.0,2m",
                    "--dhcp-option=option:router," + TapLab.LINUX_IP,
                    "--dhcp-option=option:dns-server," + TapLab.LINUX_IP,
                    "--dhcp-option=option:T1,4", "--dhcp-option=option:T2,7",
                    "--dhcp-leasefile=" + lab.ns().dir().resolve("leases"), "--pid-file=" + lab.ns().dir().resolve("d.pid"),
                    "--conf-file=/dev/null", "--log-facility=-", "--log-dhcp", "--user=root", "--group=root");
            dnsmasq.awaitOutput("DHCP, IP range", T);

            StandaloneHost host = lab.startHost(TapLab.hostOptions(WakeMode.NAPI).withAddress(null, null));
            DhcpClient dhcp = host.dhcp();
            DhcpClient.Lease lease = dhcp.lease();
            assertThat(lease).isNotNull();
            String leased = Ipv4Address.format(lease.address());
            assertThat(lease.address() >>> 8).isEqualTo(Ipv4Address.parseBits("10.0.2.0") >>> 8);
            assertThat(lease.address() & 0xFF).isBetween(100, 150);
            assertThat(lease.prefix()).isEqualTo(24);
            assertThat(Ipv4Address.format(lease.router())).isEqualTo(TapLab.LINUX_IP);
            assertThat(host.host().dnsServers()).containsExactly(Ipv4Address.parseBits(TapLab.LINUX_IP));
            assertThat(lease.leaseSeconds()).isEqualTo(120);

            Netns.Result ping = lab.ns().exec(T, "ping", "-c", "3", "-i", "0.2", "-W", "2", leased);
            assertThat(ping.ok()).as(ping.output()).isTrue();
            assertThat(ping.out()).contains("3 received");

            // T1 is 4 s: the client renews by unicast, and dnsmasq acknowledges it.
            assertThat(RealPeers.await(() -> dhcp.renewals() >= 1 && dhcp.acks() >= 2, 10_000)).isTrue();
            assertThat(dhcp.state()).isEqualTo(DhcpClient.State.BOUND);
            assertThat(dhcp.lease().address()).isEqualTo(lease.address());
            assertThat(dnsmasq.out() + dnsmasq.err()).contains("DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPACK");

            host.close();
            assertThat(RealPeers.await(() -> (dnsmasq.out() + dnsmasq.err()).contains("DHCPRELEASE"), 5_000))
                    .as(dnsmasq.out() + dnsmasq.err()).isTrue();
            assertThat(host.poolsFull()).isTrue();
            dnsmasq.stop();
        }
    }
}
