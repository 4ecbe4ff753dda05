package org.netstack4j.wire;

/**
 * An interface address with its prefix length, {@code 10.0.2.15/24}: the host's own address and
 * the subnet it is on. The address keeps its host bits; {@link #network()} clears them.
 */
public record Ipv4Cidr(int address, int prefix) {
    public Ipv4Cidr {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix length " + prefix + " is outside 0..32");
        }
    }

    /** Parses {@code a.b.c.d/n}. */
    public static Ipv4Cidr parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("CIDR is null");
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("bad CIDR \"" + text + "\": expected address/prefix, e.g. 10.0.2.15/24");
        }
        int address = Ipv4Address.parseBits(text.substring(0, slash));
        String p = text.substring(slash + 1);
        if (p.isEmpty() || p.length() > 2 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad CIDR \"" + text + "\": prefix length is not a number 0..32");
        }
        int prefix = Integer.parseInt(p);
        if (prefix > 32) {
            throw new IllegalArgumentException("bad CIDR \"" + text + "\": prefix length " + prefix + " is over 32");
        }
        return new Ipv4Cidr(address, prefix);
    }

    public int mask() {
        return Ipv4Address.mask(prefix);
    }

    /** The address with its host bits cleared. */
    public int network() {
        return address & mask();
    }

    /** The subnet's directed broadcast address (all host bits set). */
    public int broadcast() {
        return address | ~mask();
    }

    public boolean contains(int ip) {
        return Ipv4Address.sameSubnet(address, ip, prefix);
    }

    @Override
    public String toString() {
        return Ipv4Address.format(address) + "/" + prefix;
    }
}
