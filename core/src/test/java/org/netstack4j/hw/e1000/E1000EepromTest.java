package org.netstack4j.hw.e1000;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.e1000.E1000Registers.*;

/** The EEPROM as a driver reads it: through EERD, one word at a time. */
class E1000EepromTest {
    private final E1000Bench bench = new E1000Bench();

    @AfterEach
    void close() {
        bench.close();
    }

    private int eerd(int word) {
        bench.write(EERD, EERD_START | (word << EERD_ADDR_SHIFT));
        int v = bench.read(EERD);
        assertThat(v & EERD_DONE).as("DONE after reading word %d", word).isEqualTo(EERD_DONE);
        assertThat((v >>> EERD_ADDR_SHIFT) & 0xFF).as("address echoed").isEqualTo(word);
        return v >>> EERD_DATA_SHIFT;
    }

    @Test
    void doneIsClearUntilAReadIsStarted() {
        assertThat(bench.read(EERD) & EERD_DONE).isZero();
        bench.write(EERD, 3 << EERD_ADDR_SHIFT); // address without START: no read
        assertThat(bench.read(EERD) & EERD_DONE).isZero();
    }

    @Test
    void wordsZeroToTwoHoldTheMacLowByteFirst() {
        // 52:54:00:12:34:56
        assertThat(eerd(0)).isEqualTo(0x5452);
        assertThat(eerd(1)).isEqualTo(0x1200);
        assertThat(eerd(2)).isEqualTo(0x5634);
        long mac = 0;
        for (int w = 0; w < 3; w++) {
            int word = eerd(w);
            mac = (mac << 16) | ((word & 0xFF) << 8) | (word >>> 8);
        }
        assertThat(mac).isEqualTo(E1000Bench.MAC);
    }

    @Test
    void dataIsInTheHighSixteenBits() {
        bench.write(EERD, EERD_START | (1 << EERD_ADDR_SHIFT));
        assertThat(bench.read(EERD)).isEqualTo(0x1200_0000 | (1 << EERD_ADDR_SHIFT) | EERD_DONE);
    }

    @Test
    void wordsSumToBabaAndCorruptionBreaksTheSum() {
        assertThat(checksum()).isEqualTo(EEPROM_CHECKSUM).isEqualTo(0xBABA);
        bench.card.corruptEeprom();
        assertThat(checksum()).isNotEqualTo(0xBABA);
    }

    private int checksum() {
        int sum = 0;
        for (int w = 0; w <= 0x3F; w++) {
            sum += eerd(w);
        }
        return sum & 0xFFFF;
    }
}
