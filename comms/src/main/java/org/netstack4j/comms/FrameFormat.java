package org.netstack4j.comms;

import java.io.IOException;

/**
 * The frame layout, version 1 (big-endian):
 * <pre>
 *  0  'N' '4'          magic
 *  2  version          1
 *  3  type             1 request, 2 response
 *  4  flags | status   request: bit 0 idempotent; response: {@link Frame.Status} ordinal
 *  5  reserved         three zero bytes
 *  8  request id       64 bits, chosen by the client
 * 16  deadline         milliseconds the client will wait (requests), 0 in responses
 * 20  body length      at most the reader's limit
 * 24  body
 * </pre>
 * A reader checks every field before it trusts the length, so a stray or hostile stream is
 * refused at its first bad header instead of making the server allocate what it claims.
 */
public final class FrameFormat {
    public static final int HEADER_BYTES = 24;
    public static final int VERSION = 1;
    private static final byte MAGIC_0 = 'N';
    private static final byte MAGIC_1 = '4';

    private FrameFormat() {
    }

    /** The frame as one array, header and body, written in one call so frames never interleave. */
    public static byte[] encode(Frame f) {
        byte[] out = new byte[HEADER_BYTES + f.body().length];
        out[0] = MAGIC_0;
        out[1] = MAGIC_1;
        out[2] = VERSION;
        out[3] = (byte) (f.type() == Frame.Type.REQUEST ? 1 : 2);
        out[4] = (byte) f.flagsOrStatus();
        putLong(out, 8, f.requestId());
        putInt(out, 16, f.deadlineMillis());
        putInt(out, 20, f.body().length);
        System.arraycopy(f.body(), 0, out, HEADER_BYTES, f.body().length);
        return out;
    }

    /**
     * The next frame from {@code in}, or null at a clean end of the stream (between frames).
     * A body longer than {@code maxBody}, a bad header or a stream that ends inside a frame
     * throws {@link FrameException}.
     */
    public static Frame read(Transport.Channel in, int maxBody) throws IOException {
        byte[] h = new byte[HEADER_BYTES];
        int got = readFully(in, h, 0, HEADER_BYTES);
        if (got == 0) {
            return null;
        }
        if (got < HEADER_BYTES) {
            throw new FrameException(FrameException.Reason.TRUNCATED, "the stream ended inside a frame header");
        }
        Frame.Type type = checkHeader(h, maxBody);
        int length = getInt(h, 20);
        byte[] body = new byte[length];
        if (readFully(in, body, 0, length) < length) {
            throw new FrameException(FrameException.Reason.TRUNCATED, "the stream ended inside a frame body");
        }
        int deadline = getInt(h, 16);
        return new Frame(type, h[4] & 0xFF, getLong(h, 8), deadline, body);
    }

    /** Checks a header's fields; returns its type. */
    static Frame.Type checkHeader(byte[] h, int maxBody) throws FrameException {
        if (h[0] != MAGIC_0 || h[1] != MAGIC_1) {
            throw new FrameException(FrameException.Reason.BAD_MAGIC, "not a frame: bad magic");
        }
        if (h[2] != VERSION) {
            throw new FrameException(FrameException.Reason.BAD_VERSION, "frame version " + (h[2] & 0xFF)
                    + " is not supported (this side speaks " + VERSION + ")");
        }
        Frame.Type type = switch (h[3]) {
            case 1 -> Frame.Type.REQUEST;
            case 2 -> Frame.Type.RESPONSE;
            default -> throw new FrameException(FrameException.Reason.BAD_TYPE, "unknown frame type " + (h[3] & 0xFF));
        };
        if (type == Frame.Type.REQUEST ? (h[4] & ~Frame.IDEMPOTENT) != 0 : Frame.Status.of(h[4] & 0xFF) == null) {
            throw new FrameException(type == Frame.Type.REQUEST ? FrameException.Reason.RESERVED_BITS
                    : FrameException.Reason.BAD_STATUS, "bad flags or status " + (h[4] & 0xFF));
        }
        if (h[5] != 0 || h[6] != 0 || h[7] != 0 || getInt(h, 16) < 0) {
            throw new FrameException(FrameException.Reason.RESERVED_BITS, "reserved header bits are set");
        }
        int length = getInt(h, 20);
        if (length < 0 || length > maxBody) {
            throw new FrameException(FrameException.Reason.OVERSIZED, "a frame body of " + Integer.toUnsignedString(length)
                    + " bytes is over the limit of " + maxBody);
        }
        return type;
    }

    /** Reads until {@code length} bytes or the end of the stream; returns how many came. */
    private static int readFully(Transport.Channel in, byte[] dst, int off, int length) throws IOException {
        int done = 0;
        while (done < length) {
            int n = in.read(dst, off + done, length - done);
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static void putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) (v >>> 32));
        putInt(b, at + 4, (int) v);
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | b[at + 3] & 0xFF;
    }

    private static long getLong(byte[] b, int at) {
        return (long) getInt(b, at) << 32 | getInt(b, at + 4) & 0xFFFF_FFFFL;
    }
}
