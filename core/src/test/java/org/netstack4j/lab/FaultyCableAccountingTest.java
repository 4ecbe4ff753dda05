package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.FaultInjector;
import org.netstack4j.hw.link.FaultInjector.Rates;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two cards on a cable that drops, duplicates, corrupts, reorders and delays frames (a seeded
 * {@link FaultInjector} in each direction), in simulated time: every frame is accounted for —
 * {@code sent + duplicated = received + drops by cause}, nothing unaccounted, every pool full at
 * the end, the injectors' own books balanced — and the same seed gives the same run twice.
 */
class FaultyCableAccountingTest {
    private static final long FRAMES = 20_000;
    private static final int SIZE = 100;
    private static final long MICROS = 1_000;
    private static final Rates RATES = Rates.NONE
            .withDrop(0.01)
            .withDuplicate(0.01)
            .withCorrupt(0.01, 3)
            .withReorder(0.02, 100 * MICROS)
            .withDelay(0.01, 50 * MICROS, 50 * MICROS);

    /** The injectors of one run, one per direction of the cable, and what they report to the exchange. */
    private static final class FaultyCable implements FrameExchange.MediumAccounting {
        final List<FaultInjector> injectors = new ArrayList<>();
        private final long seed;

        FaultyCable(long seed) {
            this.seed = seed;
        }

        FrameExchange.Options on(FrameExchange.Options options) {
            return options.withMedium((farInput, timeline) -> {
                FaultInjector injector = new FaultInjector(farInput, timeline, RATES, seed * 1_000 + injectors.size());
                injectors.add(injector);
                return injector;
            });
        }

        long sum(java.util.function.ToLongFunction<FaultInjector.Counters> counter) {
            return injectors.stream().mapToLong(i -> counter.applyAsLong(i.counters())).sum();
        }

        @Override
        public long dropped() {
            return sum(FaultInjector.Counters::dropped) + sum(FaultInjector.Counters::droppedNoBuffer);
        }

        @Override
        public long duplicated() {
            return sum(FaultInjector.Counters::duplicated);
        }

        @Override
        public long held() {
            return injectors.stream().mapToLong(FaultInjector::held).sum();
        }

        /** Both injectors' counters, a→b first. */
        List<Map<String, Long>> counters() {
            return injectors.stream().map(i -> i.counters().toMap()).toList();
        }

        void close() {
            injectors.forEach(FaultInjector::close);
        }
    }

    /** What a run did, without its wall-clock time. */
    private record Outcome(FrameExchange.Result result, List<Map<String, Long>> injectors) {
        Map<String, Object> comparable() {
            Map<String, Object> m = new LinkedHashMap<>();
            FrameExchange.Result r = result;
            m.put("sent", r.sent());
            m.put("received", r.received());
            m.put("dropped", r.dropped());
            m.put("duplicated", r.duplicated());
            m.put("unaccounted", r.unaccounted());
            m.put("drops", r.dropsByCause());
            m.put("pool", r.poolFree() + "/" + r.poolSize());
            m.put("completed", r.completed());
            m.put("drivers", r.driverCounters());
            m.put("injectors", injectors);
            return m;
        }
    }

    private static Outcome run(long seed, WakeMode mode) {
        FaultyCable cable = new FaultyCable(seed);
        try {
            FrameExchange.Options options = cable.on(FrameExchange.Options.of(FRAMES, SIZE, mode, true));
            FrameExchange.Result r = FrameExchange.run(options, cable);
            assertThat(cable.injectors).hasSize(2);
            for (FaultInjector injector : cable.injectors) {
                FaultInjector.Counters c = injector.counters();
                assertThat(injector.held()).as("frames still held by the injector").isZero();
                assertThat(injector.pool().isFull()).as("injector pool full").isTrue();
                assertThat(c.delivered()).as("the injector's own books: %s", c)
                        .isEqualTo(c.sent() - c.dropped() - c.droppedNoBuffer() + c.duplicated());
            }
            return new Outcome(r, cable.counters());
        } finally {
            cable.close();
        }
    }

    @ParameterizedTest(name = "seed {0}, {1}")
    @CsvSource({"1, NAPI", "2, INTERRUPT", "3, BUSY_POLL", "4, NAPI", "5, NAPI"})
    void everyFrameIsAccountedForOnAFaultyCable(long seed, WakeMode mode) {
        Outcome outcome = run(seed, mode);
        FrameExchange.Result r = outcome.result();
        Map<String, Long> drops = r.dropsByCause();
        long wireSent = outcome.injectors().stream().mapToLong(m -> m.get("sent")).sum();
        long wireDelivered = outcome.injectors().stream().mapToLong(m -> m.get("delivered")).sum();
        long mediumDrops = outcome.injectors().stream().mapToLong(m -> m.get("dropped") + m.get("dropped_no_buffer")).sum();
        long duplicates = outcome.injectors().stream().mapToLong(m -> m.get("duplicated")).sum();
        long corrupted = outcome.injectors().stream().mapToLong(m -> m.get("corrupted")).sum();

        assertThat(r.completed()).as("finished before the timeout").isTrue();
        assertThat(r.sent()).isEqualTo(FRAMES);
        assertThat(r.sent() + r.duplicated()).as("sent + duplicated = received + drops: %s", drops)
                .isEqualTo(r.received() + r.dropped());
        assertThat(r.unaccounted()).isZero();
        assertThat(r.dropped()).isEqualTo(drops.values().stream().mapToLong(Long::longValue).sum());
        assertThat(r.poolFree()).as("every driver pool full again").isEqualTo(r.poolSize());
        assertThat(r.accountedFor()).isTrue();

        // Layer by layer: what the drivers sent is what went onto the wire; what the wire delivered
        // is what the cards received or dropped for a counted reason.
        assertThat(drops.get("tx_no_link")).isZero();
        assertThat(wireSent).isEqualTo(r.sent());
        assertThat(drops.get("medium")).isEqualTo(mediumDrops);
        assertThat(r.duplicated()).isEqualTo(duplicates);
        assertThat(wireDelivered).isEqualTo(r.received() + r.dropped() - mediumDrops);

        // Every kind of fault happened, and damaged frames were caught, not counted as received.
        for (String fault : new String[] {"dropped", "duplicated", "corrupted", "reordered", "delayed"}) {
            assertThat(outcome.injectors().stream().mapToLong(m -> m.get(fault)).sum()).as(fault).isPositive();
        }
        long caught = drops.get("corrupt") + drops.get("filtered");
        assertThat(caught).as("corrupted frames caught by the receiver or the address filter")
                .isPositive().isLessThanOrEqualTo(2 * corrupted);
        assertThat(r.received()).isGreaterThan(FRAMES * 9 / 10);
    }

    @Test
    void theSameSeedGivesTheSameRunTwiceAndAnotherSeedDoesNot() {
        Outcome first = run(7, WakeMode.NAPI);
        Outcome second = run(7, WakeMode.NAPI);
        assertThat(second.comparable()).isEqualTo(first.comparable());
        assertThat(first.result().duplicated()).isPositive();

        Outcome other = run(8, WakeMode.NAPI);
        assertThat(other.injectors()).isNotEqualTo(first.injectors());
        assertThat(other.result().unaccounted()).isZero();
    }
}
