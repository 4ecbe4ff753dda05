package org.netstack4j.buffer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BufferPoolTest {

    @Test
    void poolHandsOutEachBufferOnceAndAnswersNoneWhenEmpty() {
        try (DmaMemory dma = new DmaMemory(1 << 20)) {
            BufferPool pool = new BufferPool("p", dma, 8, 2048, 64);
            List<PacketBuffer> taken = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                taken.add(pool.take());
            }
            assertThat(new HashSet<>(taken)).hasSize(8);
            assertThat(pool.take()).isNull();
            assertThat(pool.emptyMisses()).isEqualTo(1);
            assertThat(pool.free()).isZero();
            taken.forEach(PacketBuffer::release);
            assertThat(pool.isFull()).isTrue();
        }
    }

    @Test
    void doubleReturnAndWrongPoolAreCaught() {
        try (DmaMemory dma = new DmaMemory(1 << 20)) {
            BufferPool p = new BufferPool("p", dma, 2, 256, 0);
            BufferPool q = new BufferPool("q", dma, 2, 256, 0);
            PacketBuffer b = p.take();
            assertThatThrownBy(() -> q.give(b)).isInstanceOf(IllegalStateException.class).hasMessageContaining("returned to pool q");
            p.give(b);
            assertThatThrownBy(() -> p.give(b)).isInstanceOf(IllegalStateException.class).hasMessageContaining("twice");
            assertThat(p.free()).isEqualTo(2);
        }
    }

    @Test
    void buffersDoNotOverlapAndHaveBusAddressesInsideTheMemory() {
        try (DmaMemory dma = new DmaMemory(1 << 20)) {
            BufferPool pool = new BufferPool("p", dma, 16, 2048, 0);
            List<PacketBuffer> all = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                PacketBuffer b = pool.take();
                b.append(2048);
                for (int j = 0; j < 2048; j += 512) {
                    b.setByte(j, i);
                }
                assertThat(dma.contains(b.slotBusAddress(), 2048)).isTrue();
                all.add(b);
            }
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 2048; j += 512) {
                    assertThat(all.get(i).getByte(j)).isEqualTo((byte) i);
                }
            }
            all.forEach(PacketBuffer::release);
        }
    }

    @Test
    void headroomLetsLayersPrependWithoutCopying() {
        try (DmaMemory dma = new DmaMemory(1 << 20)) {
            BufferPool pool = new BufferPool("p", dma, 1, 2048, 128);
            PacketBuffer b = pool.take();
            int at = b.append(4);
            b.setInt(at, 0xCAFEBABE);
            long payloadBus = b.busAddress();
            b.prepend(8);   // UDP header
            b.setU16(0, 1234);
            b.prepend(20);  // IP header
            b.prepend(14);  // Ethernet header
            assertThat(b.length()).isEqualTo(46);
            assertThat(b.busAddress()).isEqualTo(payloadBus - 42);
            assertThat(b.getInt(42)).isEqualTo(0xCAFEBABE);
            assertThat(b.getU16(34)).isEqualTo(1234);
            b.trimFront(42);
            assertThat(b.getInt(0)).isEqualTo(0xCAFEBABE);
            assertThatThrownBy(() -> b.prepend(200)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> b.getInt(2)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> b.append(5000)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> b.trimFront(5)).isInstanceOf(IndexOutOfBoundsException.class);
            b.release();
            assertThat(pool.take().length()).as("a fresh buffer is empty with full headroom").isZero();
        }
    }

    @Test
    void randomTakeAndGiveKeepsTheCountsStraight() {
        try (DmaMemory dma = new DmaMemory(4 << 20)) {
            BufferPool pool = new BufferPool("p", dma, 100, 1024, 0);
            SplittableRandom random = new SplittableRandom(42);
            List<PacketBuffer> out = new ArrayList<>();
            for (int step = 0; step < 100_000; step++) {
                if (random.nextBoolean()) {
                    PacketBuffer b = pool.take();
                    if (b == null) {
                        assertThat(out).hasSize(100);
                    } else {
                        out.add(b);
                    }
                } else if (!out.isEmpty()) {
                    out.remove(random.nextInt(out.size())).release();
                }
                assertThat(pool.free() + out.size()).isEqualTo(100);
            }
            out.forEach(PacketBuffer::release);
            assertThat(pool.isFull()).isTrue();
        }
    }

    @Test
    void dmaMemoryRefusesAddressesOutsideItself() {
        try (DmaMemory dma = new DmaMemory(4096)) {
            long bus = dma.allocate(64, 64);
            dma.writeU64(bus, 0x1122334455667788L);
            assertThat(dma.readU64(bus)).isEqualTo(0x1122334455667788L);
            assertThat(dma.readU8(bus)).isEqualTo(0x88); // little-endian, as PCI
            assertThat(dma.contains(0, 1)).isFalse();
            assertThat(dma.contains(dma.busBase() + 4096, 1)).isFalse();
            assertThatThrownBy(() -> dma.readU64(dma.busBase() + 4092)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> dma.allocate(8192, 8)).isInstanceOf(IllegalStateException.class).hasMessageContaining("exhausted");
        }
    }
}
