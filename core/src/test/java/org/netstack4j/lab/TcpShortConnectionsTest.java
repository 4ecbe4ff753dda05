package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Short connections one after another, as the bench counts them: more than the client has
 * ephemeral ports (28,232), so ports come round again while the server still holds their last
 * connection in TIME-WAIT, which the new SYN ends (RFC 6191). Every one completes; every buffer
 * and chunk comes back.
 */
class TcpShortConnectionsTest {
    @Test
    void thirtyThousandShortConnectionsReuseEveryPortThroughTimeWait() throws Exception {
        TcpStreamPair pair = TcpStreamPair.open(WakeMode.NAPI);
        try {
            for (int i = 0; i < 30_000; i++) {
                pair.shortConnection();
            }
            assertThat(pair.serverCounter(org.netstack4j.stack.Counter.TCP_TIME_WAIT_REUSED)).isPositive();
        } finally {
            pair.close();
        }
        assertThat(pair.poolsFull()).isTrue();
    }
}
