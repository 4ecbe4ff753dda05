package org.netstack4j.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * Domain names as text and as labels. Text is the usual dotted form without the final dot (the
 * root is {@code "."}); a label byte that would be ambiguous in text is escaped as in zone files
 * (RFC 1035 §5.1): {@code \.} and {@code \\}, and {@code \DDD} (decimal) for bytes outside
 * printable ASCII, so any name read off the wire turns back into the same labels.
 */
final class DnsNames {
    static final int MAX_LABEL = 63;
    /** Longest name on the wire, length octets and the root's zero included (RFC 1035 §3.1). */
    static final int MAX_WIRE_LENGTH = 255;

    private DnsNames() {
    }

    /** Appends one label read from {@code data} to {@code out}, escaped. */
    static void appendLabel(StringBuilder out, byte[] data, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            int c = data[i] & 0xFF;
            if (c == '.' || c == '\\') {
                out.append('\\').append((char) c);
            } else if (c <= 0x20 || c >= 0x7F) {
                out.append('\\').append((char) ('0' + c / 100)).append((char) ('0' + c / 10 % 10)).append((char) ('0' + c % 10));
            } else {
                out.append((char) c);
            }
        }
    }

    /** Splits text into labels; throws {@link IllegalArgumentException} for text that is no valid name. */
    static List<byte[]> labels(String name) {
        if (name == null) {
            throw new IllegalArgumentException("DNS name is null");
        }
        List<byte[]> labels = new ArrayList<>();
        if (name.isEmpty() || name.equals(".")) {
            return labels;
        }
        byte[] label = new byte[MAX_LABEL + 1];
        int n = 0;
        int wire = 1; // the root's zero octet
        int i = 0;
        while (i < name.length()) {
            char c = name.charAt(i++);
            int value;
            if (c == '.') {
                wire = addLabel(name, labels, label, n, wire);
                n = 0;
                if (i == name.length()) {
                    return labels; // one trailing dot: an absolute name, the same labels
                }
                continue;
            } else if (c == '\\') {
                if (i >= name.length()) {
                    throw bad(name, "ends with a lone backslash");
                }
                char e = name.charAt(i);
                if (e >= '0' && e <= '9') {
                    if (i + 3 > name.length() || !isDigits(name, i, 3)) {
                        throw bad(name, "\\DDD escape needs three decimal digits");
                    }
                    value = Integer.parseInt(name, i, i + 3, 10);
                    if (value > 255) {
                        throw bad(name, "\\" + name.substring(i, i + 3) + " is over 255");
                    }
                    i += 3;
                } else {
                    value = ascii(name, e);
                    i++;
                }
            } else {
                value = ascii(name, c);
            }
            if (n == MAX_LABEL) {
                throw bad(name, "label longer than " + MAX_LABEL + " bytes");
            }
            label[n++] = (byte) value;
        }
        addLabel(name, labels, label, n, wire);
        return labels;
    }

    private static int addLabel(String name, List<byte[]> labels, byte[] label, int n, int wire) {
        if (n == 0) {
            throw bad(name, "empty label");
        }
        wire += n + 1;
        if (wire > MAX_WIRE_LENGTH) {
            throw bad(name, "longer than " + MAX_WIRE_LENGTH + " bytes on the wire");
        }
        byte[] copy = new byte[n];
        System.arraycopy(label, 0, copy, 0, n);
        labels.add(copy);
        return wire;
    }

    /** Raw text must be ASCII; other bytes are written {@code \DDD}. */
    private static int ascii(String name, char c) {
        if (c > 0x7F) {
            throw bad(name, "non-ASCII character '" + c + "' (use the punycode A-label)");
        }
        return c;
    }

    private static boolean isDigits(String s, int from, int count) {
        for (int k = from; k < from + count; k++) {
            if (s.charAt(k) < '0' || s.charAt(k) > '9') {
                return false;
            }
        }
        return true;
    }

    /** A key identifying the name made of {@code labels[from..]}; lengths are kept so labels cannot run together. */
    static String key(List<byte[]> labels, int from) {
        StringBuilder key = new StringBuilder();
        for (int k = from; k < labels.size(); k++) {
            byte[] l = labels.get(k);
            key.append((char) l.length);
            for (byte x : l) {
                key.append((char) (x & 0xFF));
            }
        }
        return key.toString();
    }

    private static IllegalArgumentException bad(String name, String why) {
        return new IllegalArgumentException("bad DNS name \"" + name + "\": " + why);
    }
}
