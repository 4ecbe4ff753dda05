package org.netstack4j.comms.kv;

import org.netstack4j.comms.Call;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The key-value requests and answers inside comms frames (big-endian):
 * <pre>
 * request: op u8 | namespace u8-length + ASCII | key u16-length + bytes | put: value u32-length + bytes
 *                                                                       | scan: limit u32
 * answer:  op u8 | key u16-length + bytes (the request's, so a client sees whose answer it holds)
 *          get: found u8 [value u32-length + bytes] | delete: found u8
 *          scan: count u32, then count × (key u16-length, value u32-length)
 * </pre>
 */
public final class KvProtocol {
    public enum Op { GET, PUT, DELETE, SCAN }

    public static final int MAX_KEY = 1024;
    public static final int MAX_VALUE = 256 * 1024;
    public static final int MAX_SCAN = 1000;
    /** Namespaces name database files, so they are short and plain. */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9_]{1,32}");

    private KvProtocol() {
    }

    /** A decoded request. {@code value} is null but for puts; {@code limit} 0 but for scans. */
    public record Request(Op op, String namespace, byte[] key, byte[] value, int limit) {
    }

    /** One entry of a scan's answer. */
    public record Entry(byte[] key, byte[] value) {
    }

    public static byte[] get(String namespace, byte[] key) {
        return encode(new Request(Op.GET, namespace, key, null, 0));
    }

    public static byte[] put(String namespace, byte[] key, byte[] value) {
        return encode(new Request(Op.PUT, namespace, key, value, 0));
    }

    public static byte[] delete(String namespace, byte[] key) {
        return encode(new Request(Op.DELETE, namespace, key, null, 0));
    }

    public static byte[] scan(String namespace, byte[] from, int limit) {
        return encode(new Request(Op.SCAN, namespace, from, null, limit));
    }

    static byte[] encode(Request r) {
        checkNamespace(r.namespace());
        byte[] ns = r.namespace().getBytes(StandardCharsets.US_ASCII);
        if (r.key().length > MAX_KEY || r.value() != null && r.value().length > MAX_VALUE) {
            throw new IllegalArgumentException("a key holds at most " + MAX_KEY + " bytes, a value " + MAX_VALUE);
        }
        int size = 1 + 1 + ns.length + 2 + r.key().length
                + (r.op() == Op.PUT ? 4 + r.value().length : 0) + (r.op() == Op.SCAN ? 4 : 0);
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) r.op().ordinal()).put((byte) ns.length).put(ns).putShort((short) r.key().length).put(r.key());
        if (r.op() == Op.PUT) {
            b.putInt(r.value().length).put(r.value());
        } else if (r.op() == Op.SCAN) {
            b.putInt(r.limit());
        }
        return b.array();
    }

    /** Decodes a request; a malformed one throws {@link Call.BadRequest} (answered "bad request"). */
    public static Request decode(byte[] body) {
        try {
            ByteBuffer b = ByteBuffer.wrap(body);
            int opCode = b.get() & 0xFF;
            if (opCode >= Op.values().length) {
                throw new Call.BadRequest("unknown operation " + opCode);
            }
            Op op = Op.values()[opCode];
            String ns = new String(bytes(b, b.get() & 0xFF), StandardCharsets.US_ASCII);
            if (!NAMESPACE.matcher(ns).matches()) {
                throw new Call.BadRequest("a namespace is 1 to 32 of a-z, 0-9 and _");
            }
            byte[] key = bytes(b, b.getShort() & 0xFFFF);
            if (key.length > MAX_KEY) {
                throw new Call.BadRequest("a key holds at most " + MAX_KEY + " bytes");
            }
            byte[] value = null;
            int limit = 0;
            if (op == Op.PUT) {
                int n = b.getInt();
                if (n < 0 || n > MAX_VALUE) {
                    throw new Call.BadRequest("a value holds at most " + MAX_VALUE + " bytes");
                }
                value = bytes(b, n);
            } else if (op == Op.SCAN) {
                limit = b.getInt();
                if (limit < 1 || limit > MAX_SCAN) {
                    throw new Call.BadRequest("a scan returns 1 to " + MAX_SCAN + " entries");
                }
            }
            if (b.hasRemaining()) {
                throw new Call.BadRequest(b.remaining() + " bytes after the request");
            }
            return new Request(op, ns, key, value, limit);
        } catch (BufferUnderflowException early) {
            throw new Call.BadRequest("the request ends early");
        }
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    /** The answer to {@code r}: {@code found} and {@code value} for get and delete, {@code entries} for scan. */
    static byte[] answer(Request r, boolean found, byte[] value, List<Entry> entries) {
        int size = 1 + 2 + r.key().length;
        size += switch (r.op()) {
            case GET -> 1 + (found ? 4 + value.length : 0);
            case DELETE -> 1;
            case PUT -> 0;
            case SCAN -> 4 + entries.stream().mapToInt(e -> 6 + e.key().length + e.value().length).sum();
        };
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) r.op().ordinal()).putShort((short) r.key().length).put(r.key());
        switch (r.op()) {
            case GET -> {
                b.put((byte) (found ? 1 : 0));
                if (found) {
                    b.putInt(value.length).put(value);
                }
            }
            case DELETE -> b.put((byte) (found ? 1 : 0));
            case PUT -> { }
            case SCAN -> {
                b.putInt(entries.size());
                for (Entry e : entries) {
                    b.putShort((short) e.key().length).put(e.key()).putInt(e.value().length).put(e.value());
                }
            }
        }
        return b.array();
    }

    /** A decoded answer; {@link #matches} says whether it answers the given request. */
    public record Answer(Op op, byte[] key, boolean found, byte[] value, List<Entry> entries) {
        public boolean matches(Op expected, byte[] expectedKey) {
            return op == expected && Arrays.equals(key, expectedKey);
        }
    }

    /** Decodes an answer; a malformed one throws IllegalArgumentException. */
    public static Answer decodeAnswer(byte[] body) {
        try {
            ByteBuffer b = ByteBuffer.wrap(body);
            int opCode = b.get() & 0xFF;
            if (opCode >= Op.values().length) {
                throw new IllegalArgumentException("unknown operation " + opCode + " in an answer");
            }
            Op op = Op.values()[opCode];
            byte[] key = bytes(b, b.getShort() & 0xFFFF);
            boolean found = false;
            byte[] value = null;
            List<Entry> entries = List.of();
            switch (op) {
                case GET -> {
                    found = b.get() != 0;
                    if (found) {
                        value = bytes(b, b.getInt());
                    }
                }
                case DELETE -> found = b.get() != 0;
                case PUT -> { }
                case SCAN -> {
                    int n = b.getInt();
                    if (n < 0 || n > MAX_SCAN) {
                        throw new IllegalArgumentException("a scan answer of " + n + " entries");
                    }
                    entries = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        byte[] k = bytes(b, b.getShort() & 0xFFFF);
                        entries.add(new Entry(k, bytes(b, b.getInt())));
                    }
                }
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(b.remaining() + " bytes after the answer");
            }
            return new Answer(op, key, found, value, entries);
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("the answer ends early");
        }
    }

    static void checkNamespace(String ns) {
        if (!NAMESPACE.matcher(ns).matches()) {
            throw new IllegalArgumentException("a namespace is 1 to 32 of a-z, 0-9 and _: " + ns);
        }
    }
}
