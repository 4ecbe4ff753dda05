package org.netstack4j.cli;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.LabWorld;
import org.netstack4j.lab.StandaloneHost;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.Ipv4Cidr;
import org.netstack4j.wire.MacAddress;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Who a host on a real medium is: its MAC, and a static address with an optional router or DHCP. */
final class HostOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    String address = "10.0.2.15/24";
    boolean addressGiven;
    Integer gateway;
    boolean dhcp;

    @Option(names = "--dhcp", description = "Take the address, router and DNS server from a DHCP server (instead of --ip/--gw).")
    void setDhcp(boolean on) {
        dhcp = on;
    }
    String mac = LabWorld.HOST_MAC;

    @Option(names = "--ip", paramLabel = "ADDR/PREFIX",
            description = "The host's address and prefix length. Default: 10.0.2.15/24.")
    void setAddress(String value) {
        addressGiven = true;
        try {
            Ipv4Cidr cidr = Ipv4Cidr.parse(value);
            if (cidr.prefix() < 1 || cidr.prefix() > 30) {
                throw new IllegalArgumentException("prefix must be 1..30");
            }
            address = value;
        } catch (IllegalArgumentException e) {
            throw bad("--ip must be ADDR/PREFIX like 10.0.2.15/24, not '" + value + "' (" + e.getMessage() + ")");
        }
    }

    @Option(names = "--gw", paramLabel = "ADDR", description = "The default router (on the --ip subnet). Default: none.")
    void setGateway(String value) {
        try {
            gateway = Ipv4Address.parseBits(value);
        } catch (IllegalArgumentException e) {
            throw bad("--gw must be an IPv4 address, not '" + value + "'");
        }
    }

    @Option(names = "--mac", paramLabel = "MAC", defaultValue = LabWorld.HOST_MAC,
            description = "The card's MAC address. Default: ${DEFAULT-VALUE} (the xv6 lab's guest).")
    void setMac(String value) {
        try {
            MacAddress m = MacAddress.parse(value);
            if ((m.bits() & 0x0100_0000_0000L) != 0) {
                throw new IllegalArgumentException("a multicast address");
            }
            mac = value;
        } catch (IllegalArgumentException e) {
            throw bad("--mac must be a unicast MAC like 52:54:00:12:34:56, not '" + value + "'");
        }
    }

    /** A host of these options woken as {@code mode}, with no lab services, no capture, no DNS records. */
    StandaloneHost.Options plainHost(WakeMode mode) {
        return new StandaloneHost.Options(mac, staticAddress(), gateway, mode, null, false, java.util.Map.of(), null);
    }

    /** The static address, or null for DHCP. */
    String staticAddress() {
        return dhcp ? null : address;
    }

    /** Checks what single options cannot: the router is on the subnet; DHCP or a static address. */
    void validate() {
        if (dhcp && (addressGiven || gateway != null)) {
            throw bad("--dhcp takes the address and router from the server: give it without --ip and --gw");
        }
        if (gateway != null) {
            Ipv4Cidr cidr = Ipv4Cidr.parse(address);
            if (!Ipv4Address.sameSubnet(gateway, cidr.address(), cidr.prefix())) {
                throw bad("--gw " + Ipv4Address.format(gateway) + " is not on " + address);
            }
        }
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
