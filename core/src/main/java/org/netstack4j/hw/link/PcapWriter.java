package org.netstack4j.hw.link;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.netstack4j.exec.Clock;

/**
 * Writes frames to a classic libpcap file (magic {@code 0xa1b2c3d4}, version 2.4, snaplen 65535,
 * link type 1 = Ethernet, microsecond timestamps), the format every version of Wireshark and
 * tcpdump reads. Timestamps come from a {@link Clock} ({@code nanos / 1000}), so a capture taken
 * in simulated time is byte-identical from run to run; {@link #wallClock()} gives real captures
 * real dates. The file is written little-endian.
 *
 * <p>Thread-safe (every method is synchronized): frames from several links and threads may share
 * one writer. Records are assembled in a preallocated direct buffer and written through a
 * {@link FileChannel} when it fills, so recording a frame allocates nothing. An I/O error does not
 * break the medium the writer is recording: it is counted, the capture stops, and the first
 * error is thrown from {@link #flush()} or {@link #close()}.
 */
public final class PcapWriter implements AutoCloseable {
    public static final int MAGIC = 0xa1b2c3d4;
    public static final int VERSION_MAJOR = 2;
    public static final int VERSION_MINOR = 4;
    public static final int SNAPLEN = 65535;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int FILE_HEADER_BYTES = 24;
    public static final int RECORD_HEADER_BYTES = 16;

    private static final int BUFFER_BYTES = 256 * 1024; // holds several records of the largest size

    /** Counters of a capture. */
    public static final class Counters {
        long frames;
        long bytes;
        long truncated;
        long errors;
        long afterClose;

        /** Frames recorded. */
        public long frames() {
            return frames;
        }

        /** Frame bytes recorded (after truncation to the snaplen). */
        public long bytes() {
            return bytes;
        }

        /** Frames longer than the snaplen, recorded truncated. */
        public long truncated() {
            return truncated;
        }

        /** Frames lost because writing the file failed. */
        public long errors() {
            return errors;
        }

        /** Frames offered after {@link PcapWriter#close()}, not recorded. */
        public long afterClose() {
            return afterClose;
        }

        public Map<String, Long> toMap() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("frames", frames);
            m.put("bytes", bytes);
            m.put("truncated", truncated);
            m.put("errors", errors);
            m.put("after_close", afterClose);
            return m;
        }

        @Override
        public String toString() {
            return toMap().toString();
        }
    }

    private final Path path;
    private final Clock clock;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private final MemorySegment bufferSegment;
    private final Counters counters = new Counters();
    private IOException failure;
    private boolean closed;

    /** Creates (or truncates) {@code path} and writes the file header. */
    public PcapWriter(Path path, Clock clock) throws IOException {
        this.path = Objects.requireNonNull(path, "path");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        this.bufferSegment = MemorySegment.ofBuffer(buffer);
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        buffer.putInt(MAGIC)
                .putShort((short) VERSION_MAJOR)
                .putShort((short) VERSION_MINOR)
                .putInt(0)          // thiszone: timestamps are UTC
                .putInt(0)          // sigfigs
                .putInt(SNAPLEN)
                .putInt(LINKTYPE_ETHERNET);
        try {
            drain();
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * A clock for real captures: monotonic like {@link System#nanoTime()}, but counted from the
     * Unix epoch (anchored once, when this is called), so pcap timestamps are real dates.
     */
    public static Clock wallClock() {
        java.time.Instant now = java.time.Instant.now();
        long epochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        long offset = epochNanos - System.nanoTime();
        return () -> System.nanoTime() + offset;
    }

    /** Records one frame, timestamped now; the frame is only read. */
    public synchronized void write(MemorySegment frame, long offset, int length) {
        if (closed) {
            counters.afterClose++;
            return;
        }
        if (failure != null) {
            counters.errors++;
            return;
        }
        int captured = Math.min(length, SNAPLEN);
        if (buffer.remaining() < RECORD_HEADER_BYTES + captured) {
            try {
                drain();
            } catch (IOException e) {
                failure = e;
                counters.errors++;
                return;
            }
        }
        // The data first: if the caller's bounds are wrong it throws before the record is begun.
        int at = buffer.position();
        MemorySegment.copy(frame, offset, bufferSegment, at + RECORD_HEADER_BYTES, captured);
        long micros = Math.floorDiv(clock.nanos(), 1000L);
        buffer.putInt(at, (int) Math.floorDiv(micros, 1_000_000L))
                .putInt(at + 4, (int) Math.floorMod(micros, 1_000_000L))
                .putInt(at + 8, captured)
                .putInt(at + 12, length);
        buffer.position(at + RECORD_HEADER_BYTES + captured);
        counters.frames++;
        counters.bytes += captured;
        if (captured < length) {
            counters.truncated++;
        }
    }

    private void drain() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    /** Writes buffered records to the file; throws the first I/O error the capture met. */
    public synchronized void flush() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            return;
        }
        try {
            drain();
        } catch (IOException e) {
            failure = e;
            throw e;
        }
    }

    /** Flushes and closes the file; later frames are counted in {@code after_close}. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            flush();
        } finally {
            closed = true;
            channel.close();
        }
    }

    /** A snapshot of the counters. */
    public synchronized Counters counters() {
        Counters c = new Counters();
        c.frames = counters.frames;
        c.bytes = counters.bytes;
        c.truncated = counters.truncated;
        c.errors = counters.errors;
        c.afterClose = counters.afterClose;
        return c;
    }

    public Path path() {
        return path;
    }
}
