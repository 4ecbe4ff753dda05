package org.netstack4j.comms;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The frame layout: round trips, and a named verdict for every way a header can be wrong. */
class FrameFormatTest {

    /** A channel over fixed bytes, handing them out a few at a time (as TCP may). */
    static final class BytesChannel implements Transport.Channel {
        private final byte[] data;
        private int at;

        BytesChannel(byte[] data) {
            this.data = data;
        }

        @Override
        public int read(byte[] dst, int offset, int length) {
            if (at == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(length, 7), data.length - at);
            System.arraycopy(data, at, dst, offset, n);
            at += n;
            return n;
        }

        @Override
        public void write(byte[] src, int offset, int length) {
            throw new UnsupportedOperationException("read-only");
        }

        @Override
        public void setReadTimeout(Duration timeout) {
        }

        @Override
        public String peer() {
            return "bytes";
        }

        @Override
        public void abort() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void framesSurviveTheRoundTripWhateverTheirContent() throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 500; i++) {
            byte[] body = new byte[random.nextInt(3000)];
            random.nextBytes(body);
            Frame f = random.nextBoolean()
                    ? Frame.request(random.nextLong(), random.nextBoolean(), random.nextInt(Integer.MAX_VALUE), body)
                    : Frame.response(random.nextLong(), Frame.Status.values()[random.nextInt(4)], body);
            byte[] two = concat(FrameFormat.encode(f), FrameFormat.encode(f));
            BytesChannel in = new BytesChannel(two);
            for (int k = 0; k < 2; k++) {
                Frame back = FrameFormat.read(in, 4096);
                assertThat(back.type()).isEqualTo(f.type());
                assertThat(back.flagsOrStatus()).isEqualTo(f.flagsOrStatus());
                assertThat(back.requestId()).isEqualTo(f.requestId());
                assertThat(back.deadlineMillis()).isEqualTo(f.deadlineMillis());
                assertThat(back.body()).isEqualTo(body);
                assertThat(back.idempotent()).isEqualTo(f.idempotent());
            }
            assertThat(FrameFormat.read(in, 4096)).as("a clean end between frames").isNull();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] good() {
        return FrameFormat.encode(Frame.request(42, true, 1000, new byte[10]));
    }

    private static void assertRefused(byte[] bytes, FrameException.Reason reason) {
        assertThatThrownBy(() -> FrameFormat.read(new BytesChannel(bytes), 100))
                .isInstanceOfSatisfying(FrameException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void everyBadHeaderFieldHasItsOwnVerdict() {
        byte[] b = good();
        b[0] = 'X';
        assertRefused(b, FrameException.Reason.BAD_MAGIC);
        b = good();
        b[2] = 2;
        assertRefused(b, FrameException.Reason.BAD_VERSION);
        b = good();
        b[3] = 3;
        assertRefused(b, FrameException.Reason.BAD_TYPE);
        b = good();
        b[4] = 2; // a request flag that does not exist
        assertRefused(b, FrameException.Reason.RESERVED_BITS);
        b = FrameFormat.encode(Frame.response(1, Frame.Status.OK, new byte[0]));
        b[4] = 9;
        assertRefused(b, FrameException.Reason.BAD_STATUS);
        b = good();
        b[6] = 1;
        assertRefused(b, FrameException.Reason.RESERVED_BITS);
        b = good();
        b[16] = (byte) 0x80; // a negative deadline
        assertRefused(b, FrameException.Reason.RESERVED_BITS);
    }

    @Test
    void aLengthOverTheLimitIsRefusedBeforeAnyBodyIsRead() {
        byte[] header = Arrays.copyOf(FrameFormat.encode(Frame.request(1, false, 0, new byte[101])), FrameFormat.HEADER_BYTES);
        assertRefused(header, FrameException.Reason.OVERSIZED); // no body follows: it was never waited for
        byte[] huge = Arrays.copyOf(good(), FrameFormat.HEADER_BYTES);
        huge[20] = (byte) 0xFF; // 4 GB as unsigned, negative as an int
        assertRefused(huge, FrameException.Reason.OVERSIZED);
    }

    @Test
    void aStreamThatEndsInsideAFrameIsTruncated() {
        byte[] b = good();
        assertRefused(Arrays.copyOf(b, 10), FrameException.Reason.TRUNCATED);
        assertRefused(Arrays.copyOf(b, b.length - 1), FrameException.Reason.TRUNCATED);
    }
}
