package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.DriverConfig;
import org.netstack4j.driver.WakeMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Jumbo frames end to end: cards with an MTU of 9000 (the driver sets RCTL.LPE and 16 KB receive
 * buffers) carry TCP segments of 8,948 data bytes, one frame each, and every buffer comes back.
 */
class JumboFramesTest {
    @Test
    void tcpUsesNineThousandByteFramesAndEveryBufferComesBack() throws Exception {
        TcpStreamPair pair = TcpStreamPair.open(WakeMode.NAPI, 9000);
        long before = pair.segments();
        assertThat(pair.segmentSize()).as("9000 less IP, TCP and timestamps").isEqualTo(9000 - 40 - 12);
        assertThat(pair.bulk(10L << 20)).isEqualTo(10L << 20);
        long segments = pair.segments() - before;
        // About 1,170 data segments for 10 MB (and their ACKs): at MTU 1500 it would take 7,240.
        assertThat(segments).isLessThan(3000);
        pair.close();
        assertThat(pair.poolsFull()).isTrue();
    }

    @Test
    void theMtuIsBoundedAndSizesTheBuffers() {
        DriverConfig standard = DriverConfig.of(WakeMode.NAPI);
        assertThat(standard.mtu()).isEqualTo(1500);
        assertThat(standard.rxBufferSize()).isEqualTo(2048);
        assertThat(standard.withMtu(9000).rxBufferSize()).isEqualTo(16_384);
        assertThat(standard.withMtu(9000).maxFrame()).isEqualTo(9014);
        assertThatThrownBy(() -> standard.withMtu(9001)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> standard.withMtu(575)).isInstanceOf(IllegalArgumentException.class);
    }
}
