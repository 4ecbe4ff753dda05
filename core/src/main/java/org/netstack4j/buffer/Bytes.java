package org.netstack4j.buffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Small byte operations on segments that allocate nothing (a slice would be an object per call). */
public final class Bytes {
    private Bytes() {
    }

    /** Zeroes {@code length} bytes of {@code segment} from {@code offset}. */
    public static void zero(MemorySegment segment, long offset, long length) {
        long i = 0;
        for (; i + 8 <= length; i += 8) {
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + i, 0L);
        }
        for (; i < length; i++) {
            segment.set(ValueLayout.JAVA_BYTE, offset + i, (byte) 0);
        }
    }
}
