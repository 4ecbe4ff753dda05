package org.netstack4j.wire;

/**
 * An IPv4 address as an {@code int}, first octet most significant. The packet path uses the bare
 * {@code int} and the static helpers; the record is for configuration, logs and tests.
 */
public record Ipv4Address(int bits) {
    public static final Ipv4Address ANY = new Ipv4Address(0);
    public static final Ipv4Address BROADCAST = new Ipv4Address(0xFFFF_FFFF);

    /** Parses a dotted quad such as {@code 10.0.2.15}. */
    public static Ipv4Address parse(String text) {
        return new Ipv4Address(parseBits(text));
    }

    /**
     * Parses a dotted quad: exactly four decimal octets of 1 to 3 digits, each at most 255. Leading
     * zeros are refused because some parsers read them as octal ({@code 010} = 8).
     */
    public static int parseBits(String text) {
        if (text == null) {
            throw new IllegalArgumentException("IPv4 address is null");
        }
        int bits = 0;
        int octets = 0;
        int i = 0;
        int n = text.length();
        while (true) {
            int start = i;
            int value = 0;
            while (i < n && i - start < 4 && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                value = value * 10 + (text.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0) {
                throw bad(text, "octet " + (octets + 1) + " is not a decimal number");
            }
            if (digits > 3 || value > 255) {
                throw bad(text, "octet " + (octets + 1) + " is over 255");
            }
            if (digits > 1 && text.charAt(start) == '0') {
                throw bad(text, "octet " + (octets + 1) + " has a leading zero");
            }
            bits = (bits << 8) | value;
            octets++;
            if (octets == 4) {
                if (i != n) {
                    throw bad(text, "unexpected text after the fourth octet");
                }
                return bits;
            }
            if (i >= n || text.charAt(i) != '.') {
                throw bad(text, "expected four octets separated by dots");
            }
            i++;
        }
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("bad IPv4 address \"" + text + "\": " + why);
    }

    /** Dotted-quad text of {@code bits}. */
    public static String format(int bits) {
        return (bits >>> 24) + "." + ((bits >>> 16) & 0xFF) + "." + ((bits >>> 8) & 0xFF) + "." + (bits & 0xFF);
    }

    /** The netmask of a prefix length 0..32, e.g. 24 gives 255.255.255.0. */
    public static int mask(int prefix) {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix length " + prefix + " is outside 0..32");
        }
        // A shift by 32 is a shift by 0 in Java, hence the special case.
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    public static boolean sameSubnet(int a, int b, int prefix) {
        return ((a ^ b) & mask(prefix)) == 0;
    }

    /** Class D, 224.0.0.0/4. */
    public static boolean isMulticast(int bits) {
        return (bits >>> 28) == 0xE;
    }

    /** The limited broadcast address 255.255.255.255 (a subnet's broadcast depends on its prefix). */
    public static boolean isBroadcast(int bits) {
        return bits == 0xFFFF_FFFF;
    }

    /** 127.0.0.0/8. */
    public static boolean isLoopback(int bits) {
        return (bits >>> 24) == 127;
    }

    public boolean isMulticast() {
        return isMulticast(bits);
    }

    public boolean isBroadcast() {
        return isBroadcast(bits);
    }

    @Override
    public String toString() {
        return format(bits);
    }
}
