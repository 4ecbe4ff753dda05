package org.netstack4j.hw.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netstack4j.exec.Simulation;

class PcapWriterTest {
    @TempDir
    Path dir;

    /** One record read back from a file. */
    record Rec(long seconds, long micros, int included, int original, byte[] data) {
    }

    /** Reads a little-endian classic pcap file back, checking its header. */
    static List<Rec> readBack(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt()).as("magic").isEqualTo(0xa1b2c3d4);
        assertThat(b.getShort()).as("version major").isEqualTo((short) 2);
        assertThat(b.getShort()).as("version minor").isEqualTo((short) 4);
        assertThat(b.getInt()).as("thiszone").isZero();
        assertThat(b.getInt()).as("sigfigs").isZero();
        assertThat(b.getInt()).as("snaplen").isEqualTo(65535);
        assertThat(b.getInt()).as("linktype").isEqualTo(1);
        List<Rec> out = new ArrayList<>();
        while (b.hasRemaining()) {
            long sec = Integer.toUnsignedLong(b.getInt());
            long usec = Integer.toUnsignedLong(b.getInt());
            int incl = b.getInt();
            int orig = b.getInt();
            byte[] data = new byte[incl];
            b.get(data);
            out.add(new Rec(sec, usec, incl, orig, data));
        }
        return out;
    }

    private static void write(PcapWriter w, byte[] frame) {
        w.write(MemorySegment.ofArray(frame), 0, frame.length);
    }

    @Test
    void writesHeaderAndRecordsWithSimulatedTimestamps() throws IOException {
        Simulation sim = new Simulation();
        Path file = dir.resolve("a.pcap");
        byte[] f1 = Frames.numbered(Frames.BROADCAST, Frames.mac(1), 1, 60);
        byte[] f2 = Frames.numbered(Frames.mac(1), Frames.mac(2), 2, 1514);
        byte[] f3 = Frames.numbered(Frames.mac(2), Frames.mac(1), 3, 42);
        try (PcapWriter w = new PcapWriter(file, sim)) {
            write(w, f1);
            sim.runFor(1_500_250_999L); // 1.500250999 s: microseconds truncate
            write(w, f2);
            sim.runFor(3_000_000_000L);
            // a frame at an offset inside a larger segment
            byte[] big = new byte[100];
            System.arraycopy(f3, 0, big, 10, f3.length);
            w.write(MemorySegment.ofArray(big), 10, f3.length);
            assertThat(w.counters().frames()).isEqualTo(3);
            assertThat(w.counters().bytes()).isEqualTo(60 + 1514 + 42);
        }
        List<Rec> recs = readBack(file);
        assertThat(recs).hasSize(3);
        assertThat(recs).extracting(Rec::seconds).containsExactly(0L, 1L, 4L);
        assertThat(recs).extracting(Rec::micros).containsExactly(0L, 500_250L, 500_250L);
        assertThat(recs).extracting(Rec::included).containsExactly(60, 1514, 42);
        assertThat(recs).extracting(Rec::original).containsExactly(60, 1514, 42);
        assertThat(recs.get(0).data()).isEqualTo(f1);
        assertThat(recs.get(1).data()).isEqualTo(f2);
        assertThat(recs.get(2).data()).isEqualTo(f3);
        assertThat(Files.size(file)).isEqualTo(24 + 3 * 16 + 60 + 1514 + 42);
    }

    @Test
    void truncatesToTheSnaplenAndKeepsTheOriginalLength() throws IOException {
        Path file = dir.resolve("big.pcap");
        byte[] huge = Frames.numbered(Frames.mac(1), Frames.mac(2), 1, 70_000);
        try (PcapWriter w = new PcapWriter(file, () -> 0)) {
            write(w, huge);
            assertThat(w.counters().truncated()).isEqualTo(1);
        }
        Rec r = readBack(file).getFirst();
        assertThat(r.included()).isEqualTo(65535);
        assertThat(r.original()).isEqualTo(70_000);
        assertThat(r.data()).isEqualTo(Arrays.copyOf(huge, 65535));
    }

    @Test
    void manyFramesPassThroughTheBufferIntact() throws IOException {
        Path file = dir.resolve("many.pcap");
        int n = 1000; // 1.5 MB: the 256 KiB buffer drains several times
        try (PcapWriter w = new PcapWriter(file, () -> 0)) {
            for (int i = 0; i < n; i++) {
                write(w, Frames.numbered(Frames.mac(1), Frames.mac(2), i, 1514));
            }
        }
        List<Rec> recs = readBack(file);
        assertThat(recs).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(Frames.sequenceOf(recs.get(i).data())).isEqualTo(i);
        }
    }

    @Test
    void simulatedRunsGiveByteIdenticalCaptures() throws IOException {
        Path one = capture("one.pcap");
        Path two = capture("two.pcap");
        assertThat(Files.mismatch(one, two)).isEqualTo(-1L);
        assertThat(readBack(one)).hasSize(200);
    }

    private Path capture(String name) throws IOException {
        Simulation sim = new Simulation();
        Path file = dir.resolve(name);
        RecordingConnector a = new RecordingConnector("a");
        RecordingConnector b = new RecordingConnector("b");
        try (PcapWriter w = new PcapWriter(file, sim)) {
            Capture.cable(a, b, w);
            for (int i = 0; i < 100; i++) {
                a.transmit(Frames.numbered(Frames.mac(2), Frames.mac(1), i, 60 + i));
                sim.runFor(12_345);
                b.transmit(Frames.numbered(Frames.mac(1), Frames.mac(2), i, 60 + i));
                sim.runFor(777);
            }
        }
        return file;
    }

    @Test
    void captureRecordsThenForwardsAndTheCableHelperSeesBothDirections() throws IOException {
        Path file = dir.resolve("cable.pcap");
        RecordingConnector a = new RecordingConnector("a");
        RecordingConnector b = new RecordingConnector("b");
        byte[] ab = Frames.numbered(Frames.mac(2), Frames.mac(1), 1, 60);
        byte[] ba = Frames.numbered(Frames.mac(1), Frames.mac(2), 2, 60);
        try (PcapWriter w = new PcapWriter(file, () -> 0)) {
            Capture.cable(a, b, w);
            a.transmit(ab);
            b.transmit(ba);
        }
        assertThat(b.received()).containsExactly(ab);
        assertThat(a.received()).containsExactly(ba);
        assertThat(readBack(file)).extracting(Rec::data).containsExactly(ab, ba);
    }

    @Test
    void framesAfterCloseAreCountedNotWritten() throws IOException {
        Path file = dir.resolve("closed.pcap");
        PcapWriter w = new PcapWriter(file, () -> 0);
        write(w, Frames.numbered(Frames.mac(1), Frames.mac(2), 1, 60));
        w.close();
        w.close(); // idempotent
        write(w, Frames.numbered(Frames.mac(1), Frames.mac(2), 2, 60));
        assertThat(w.counters().afterClose()).isEqualTo(1);
        assertThat(readBack(file)).hasSize(1);
        assertThat(w.counters().toMap()).containsEntry("frames", 1L).containsEntry("after_close", 1L);
    }

    @Test
    void aFrameWithBadBoundsThrowsWithoutLeavingAHalfRecord() throws IOException {
        Path file = dir.resolve("bounds.pcap");
        byte[] ok = Frames.numbered(Frames.mac(1), Frames.mac(2), 1, 60);
        try (PcapWriter w = new PcapWriter(file, () -> 0)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> w.write(MemorySegment.ofArray(new byte[10]), 0, 60))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            write(w, ok);
        }
        assertThat(readBack(file)).extracting(Rec::data).containsExactly(ok);
    }

    @Test
    void flushMakesRecordsVisibleWhileOpen() throws IOException {
        Path file = dir.resolve("flush.pcap");
        try (PcapWriter w = new PcapWriter(file, () -> 0)) {
            write(w, Frames.numbered(Frames.mac(1), Frames.mac(2), 1, 60));
            assertThat(Files.size(file)).isEqualTo(24);
            w.flush();
            assertThat(readBack(file)).hasSize(1);
        }
    }

    @Test
    void wallClockCountsFromTheEpoch() {
        long micros = PcapWriter.wallClock().nanos() / 1000;
        long expected = System.currentTimeMillis() * 1000;
        assertThat(micros).isBetween(expected - 5_000_000, expected + 5_000_000);
    }
}
