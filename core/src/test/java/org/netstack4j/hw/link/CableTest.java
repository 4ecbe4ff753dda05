package org.netstack4j.hw.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CableTest {
    private final RecordingConnector a = new RecordingConnector("a");
    private final RecordingConnector b = new RecordingConnector("b");

    @Test
    void carriesFramesBothWaysUnchanged() {
        Cable cable = Cable.connect(a, b);
        byte[] ab = Frames.numbered(Frames.mac(2), Frames.mac(1), 1, 60);
        byte[] ba = Frames.numbered(Frames.mac(1), Frames.mac(2), 2, 1514);

        a.transmit(ab);
        b.transmit(ba);

        assertThat(b.received()).containsExactly(ab);
        assertThat(a.received()).containsExactly(ba);
        assertThat(cable.isPlugged()).isTrue();
        assertThat(cable.lost()).isZero();
    }

    @Test
    void connectAttachesAndUnplugDetachesBothEnds() {
        Cable cable = Cable.connect(a, b);
        assertThat(a.attached()).isTrue();
        assertThat(b.attached()).isTrue();

        cable.unplug();

        assertThat(cable.isPlugged()).isFalse();
        assertThat(a.attached()).isFalse();
        assertThat(b.attached()).isFalse();
    }

    @Test
    void unpluggedCableSwallowsFramesFromStaleReferencesAndCountsThem() {
        Cable cable = Cable.connect(a, b);
        var staleA = a.output();
        var staleB = b.output();
        cable.unplug();
        cable.unplug(); // idempotent

        byte[] frame = Frames.numbered(Frames.mac(2), Frames.mac(1), 7, 60);
        staleA.send(java.lang.foreign.MemorySegment.ofArray(frame), 0, frame.length);
        staleB.send(java.lang.foreign.MemorySegment.ofArray(frame), 0, frame.length);
        a.transmit(frame); // a now sends into NOWHERE

        assertThat(a.received()).isEmpty();
        assertThat(b.received()).isEmpty();
        assertThat(cable.lost()).isEqualTo(2);
    }

    @Test
    void replugWithANewCableWorks() {
        Cable.connect(a, b).unplug();
        Cable.connect(a, b);
        byte[] frame = Frames.numbered(Frames.mac(2), Frames.mac(1), 3, 60);
        a.transmit(frame);
        assertThat(b.received()).containsExactly(frame);
    }

    @Test
    void wrapperIsAppliedToEachDirectionAToBFirst() {
        List<Link> wrapped = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        Cable.connect(a, b, inner -> {
            wrapped.add(inner);
            String tag = wrapped.size() == 1 ? "a->b" : "b->a";
            return (frame, offset, length) -> {
                seen.add(tag);
                inner.send(frame, offset, length);
            };
        });
        assertThat(wrapped).containsExactly(b.input(), a.input());

        byte[] frame = Frames.numbered(Frames.mac(2), Frames.mac(1), 1, 60);
        a.transmit(frame);
        b.transmit(frame);
        b.transmit(frame);

        assertThat(seen).containsExactly("a->b", "b->a", "b->a");
        assertThat(b.received()).hasSize(1);
        assertThat(a.received()).hasSize(2);
    }

    @Test
    void loopbackPlugDeliversToItself() {
        Cable.connect(a, a);
        byte[] frame = Frames.numbered(Frames.mac(1), Frames.mac(1), 9, 60);
        a.transmit(frame);
        assertThat(a.received()).containsExactly(frame);
    }
}
