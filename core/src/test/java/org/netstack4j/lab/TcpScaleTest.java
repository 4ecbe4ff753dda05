package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;

import java.lang.management.ManagementFactory;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 100,000 established connections between two hosts in simulated time, idle, beside one that
 * works: the working one still answers (every lookup, timer and window as with one connection),
 * an idle connection holds no stream memory and little heap, and everything comes back at the end.
 * How much a packet costs at 1, 1,000 and 100,000 connections is the bench's ({@code tcp_cost_*}).
 */
class TcpScaleTest {
    private static final int CONNECTIONS = 100_000;

    @Test
    void aHundredThousandIdleConnectionsCostLittleMemoryAndTheWorkingOneGoesOn() throws Exception {
        long base;
        int baseChunks;
        try (TcpStreamPair one = TcpStreamPair.open(WakeMode.NAPI, 1500, 0)) {
            base = usedHeapAfterGc();
            baseChunks = one.streamMemoryInUse();
            one.requestResponse();
        }
        TcpStreamPair many = TcpStreamPair.open(WakeMode.NAPI, 1500, CONNECTIONS);
        try {
            long used = usedHeapAfterGc();
            assertThat(many.idleConnections()).isEqualTo(CONNECTIONS);
            assertThat(many.establishedConnections()).as("both ends of every connection").isEqualTo(2L * (CONNECTIONS + 1));
            assertThat(many.streamMemoryInUse()).as("an idle connection holds no stream memory: only the working one's")
                    .isEqualTo(baseChunks);
            for (int i = 0; i < 1000; i++) {
                many.requestResponse();
            }
            many.bulk(1 << 20);
            // Each connection is two ends, one on each host.
            double perEnd = (used - base) / (2.0 * CONNECTIONS);
            System.out.printf(Locale.ROOT, "%,d idle connections: %.0f heap bytes per connection end%n", CONNECTIONS, perEnd);
            assertThat(perEnd).as("heap bytes per idle connection end (Linux: a few KB before buffers)").isLessThan(4096);
        } finally {
            many.close();
        }
        assertThat(many.poolsFull()).isTrue();
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
