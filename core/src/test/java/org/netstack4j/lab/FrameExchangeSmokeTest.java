package org.netstack4j.lab;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.netstack4j.driver.WakeMode;

import static org.assertj.core.api.Assertions.assertThat;

class FrameExchangeSmokeTest {
    @ParameterizedTest
    @EnumSource(WakeMode.class)
    void simulated(WakeMode mode) {
        var r = FrameExchange.run(FrameExchange.Options.of(10_000, 60, mode, true));
        System.out.println(mode + " sim " + r);
        assertThat(r.accountedFor()).isTrue();
        assertThat(r.received()).isEqualTo(10_000);
    }

    @ParameterizedTest
    @EnumSource(WakeMode.class)
    void realThreads(WakeMode mode) {
        var r = FrameExchange.run(FrameExchange.Options.of(100_000, 60, mode, false));
        System.out.println(mode + " real " + r);
        assertThat(r.accountedFor()).isTrue();
    }
}
