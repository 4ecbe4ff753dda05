package org.netstack4j.stack.tcp;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class InitialSequenceNumbersTest {

    @Test
    void sipHashMatchesTheReferenceVectorForTwentyFourBytes() {
        // Key 00 01 .. 0f, input 00 01 .. 17: entry 24 of the reference implementation's vectors.
        SipHash h = new SipHash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);
        assertThat(h.hash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L, 0x1716151413121110L))
                .isEqualTo(0xb8ad50c6f649af94L);
    }

    @Test
    void theSameTupleAdvancesWithTheClockByOneEveryFourMicroseconds() {
        InitialSequenceNumbers isn = new InitialSequenceNumbers(1, 2);
        int first = isn.next(0x0A00020F, 40000, 0x0A000202, 80, 0);
        int later = isn.next(0x0A00020F, 40000, 0x0A000202, 80, 1_000_000_000L);
        assertThat(later - first).isEqualTo(250_000);
    }

    @Test
    void tuplesAndKeysGiveUnrelatedNumbers() {
        InitialSequenceNumbers isn = new InitialSequenceNumbers(1, 2);
        Set<Integer> seen = new HashSet<>();
        for (int port = 40000; port < 41000; port++) {
            seen.add(isn.next(0x0A00020F, port, 0x0A000202, 80, 0));
        }
        assertThat(seen).as("no collisions among neighbouring ports").hasSize(1000);
        int a = new InitialSequenceNumbers(1, 2).next(1, 2, 3, 4, 0);
        int b = new InitialSequenceNumbers(1, 3).next(1, 2, 3, 4, 0);
        assertThat(a).as("another secret, another number").isNotEqualTo(b);
    }
}
