package org.netstack4j.hw.link;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;

/**
 * QEMU's {@code -netdev stream} framing, which a switch in another process and the hosts plugged
 * into it speak over a stream socket: each Ethernet frame (without FCS) is sent as a 4-byte
 * big-endian length followed by exactly that many bytes, and nothing else is ever on the stream.
 * A length of 0 or above {@link #MAX_FRAME} cannot be a frame: the stream is out of step and the
 * only safe thing is to drop the connection. Over UDP ({@code -netdev dgram}) there is no prefix:
 * one datagram is one frame.
 *
 * <p>{@link Decoder} cuts frames out of what a channel delivers; {@link Queue} is a bounded output
 * queue that holds frames already framed, ready to be written with as few system calls as the
 * channel takes. Neither allocates after construction; neither is thread-safe.
 */
public final class QemuStream {
    /** Bytes of the length prefix. */
    public static final int HEADER_BYTES = 4;
    /** The longest frame the framing carries (the prefix is 32 bits, but QEMU never sends more). */
    public static final int MAX_FRAME = 65_535;

    private static final ValueLayout.OfInt BIG_ENDIAN_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private QemuStream() {
    }

    /** Receives each whole frame the decoder finds; the frame is borrowed for the call, as a {@link Link} allows. */
    @FunctionalInterface
    interface FrameHandler {
        void frame(MemorySegment frame, long offset, int length);
    }

    /** What a read left the decoder with. */
    enum Status {
        /** Every whole frame was delivered; any partial frame waits for more bytes. */
        OK,
        /** The peer closed its side cleanly, on a frame boundary. */
        EOF,
        /** The peer closed its side in the middle of a frame: the last frame is lost. */
        TRUNCATED,
        /** A length prefix of 0 or above the maximum: the stream cannot be followed any further. */
        BAD_LENGTH
    }

    /**
     * Cuts frames out of a byte stream. Its buffer holds one largest frame and its prefix plus room
     * for more, so one read usually brings several small frames.
     */
    static final class Decoder {
        private final int maxFrame;
        private final ByteBuffer buffer;
        private final MemorySegment segment;
        private long badLength = -1;

        Decoder(int maxFrame) {
            if (maxFrame < 1 || maxFrame > MAX_FRAME) {
                throw new IllegalArgumentException("maximum frame out of range 1.." + MAX_FRAME + ": " + maxFrame);
            }
            this.maxFrame = maxFrame;
            this.buffer = ByteBuffer.allocateDirect(2 * (HEADER_BYTES + maxFrame)).order(ByteOrder.BIG_ENDIAN);
            this.segment = MemorySegment.ofBuffer(buffer);
        }

        /**
         * Reads what {@code channel} has (once: a non-blocking channel may give nothing), hands every
         * whole frame to {@code handler}, and keeps any partial frame for the next call.
         */
        Status readFrom(ReadableByteChannel channel, FrameHandler handler) throws IOException {
            int n = channel.read(buffer);
            if (n < 0) {
                return buffer.position() == 0 ? Status.EOF : Status.TRUNCATED;
            }
            return deliver(handler);
        }

        /** Delivers the whole frames in the buffer and moves what is left of the next one to the front. */
        private Status deliver(FrameHandler handler) {
            int end = buffer.position();
            int p = 0;
            Status status = Status.OK;
            while (end - p >= HEADER_BYTES) {
                long length = Integer.toUnsignedLong(segment.get(BIG_ENDIAN_INT, p));
                if (length == 0 || length > maxFrame) {
                    badLength = length;
                    status = Status.BAD_LENGTH;
                    break;
                }
                if (end - p - HEADER_BYTES < length) {
                    break;
                }
                handler.frame(segment, p + HEADER_BYTES, (int) length);
                p += HEADER_BYTES + (int) length;
            }
            if (status == Status.BAD_LENGTH) {
                buffer.clear();
                return status;
            }
            int left = end - p;
            if (left > 0 && p > 0) {
                MemorySegment.copy(segment, p, segment, 0, left);
            }
            buffer.position(left);
            return status;
        }

        /** The offending length of the last {@link Status#BAD_LENGTH}, or -1. */
        long badLength() {
            return badLength;
        }

        /** Bytes of a partial frame waiting for the rest. */
        int pending() {
            return buffer.position();
        }

        void clear() {
            buffer.clear();
            badLength = -1;
        }
    }

    /**
     * A bounded queue of frames waiting to be written to a stream, kept already framed in one ring
     * of bytes. A frame that does not fit is refused whole (the caller counts it), so a slow reader
     * costs frames, never memory or a blocked sender.
     */
    static final class Queue {
        private final int capacity;
        private final ByteBuffer ring;
        private final MemorySegment segment;
        private final ByteBuffer first;
        private final ByteBuffer second;
        private final ByteBuffer[] pair;
        private long head; // bytes written out, ever
        private long tail; // bytes queued, ever

        Queue(int capacityBytes) {
            if (capacityBytes < HEADER_BYTES + 1) {
                throw new IllegalArgumentException("queue too small: " + capacityBytes);
            }
            this.capacity = capacityBytes;
            this.ring = ByteBuffer.allocateDirect(capacityBytes);
            this.segment = MemorySegment.ofBuffer(ring);
            this.first = ring.duplicate();
            this.second = ring.duplicate();
            this.pair = new ByteBuffer[] {first, second};
        }

        /** Appends the prefix and the frame, or returns false (nothing queued) if they do not fit. */
        boolean offer(MemorySegment frame, long offset, int length) {
            int need = HEADER_BYTES + length;
            if (capacity - (tail - head) < need) {
                return false;
            }
            int p = (int) (tail % capacity);
            for (int i = 0; i < HEADER_BYTES; i++) {
                segment.set(ValueLayout.JAVA_BYTE, p, (byte) (length >>> (24 - 8 * i)));
                p = p + 1 == capacity ? 0 : p + 1;
            }
            int run = Math.min(length, capacity - p);
            MemorySegment.copy(frame, offset, segment, p, run);
            if (run < length) {
                MemorySegment.copy(frame, offset + run, segment, 0, length - run);
            }
            tail += need;
            return true;
        }

        /** Writes as much as {@code channel} takes now (one gathering write); returns the bytes written. */
        long writeTo(GatheringByteChannel channel) throws IOException {
            long queued = tail - head;
            if (queued == 0) {
                return 0;
            }
            int p = (int) (head % capacity);
            int run = (int) Math.min(queued, capacity - p);
            first.clear();
            first.position(p);
            first.limit(p + run);
            second.clear();
            second.limit((int) (queued - run));
            long n = channel.write(pair, 0, queued > run ? 2 : 1);
            head += n;
            return n;
        }

        boolean isEmpty() {
            return head == tail;
        }

        /** Bytes waiting to be written. */
        long queuedBytes() {
            return tail - head;
        }

        int capacity() {
            return capacity;
        }

        void clear() {
            head = tail;
        }
    }
}
