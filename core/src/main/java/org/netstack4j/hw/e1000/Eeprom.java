package org.netstack4j.hw.e1000;

import org.netstack4j.wire.MacAddress;

/**
 * The card's EEPROM: 64 sixteen-bit words, the MAC address in words 0–2 (low byte first), and a
 * checksum word chosen so that words 0x00–0x3F sum to 0xBABA, which drivers verify.
 */
final class Eeprom {
    private final int[] words = new int[E1000Registers.EEPROM_WORDS];

    Eeprom(MacAddress mac) {
        for (int i = 0; i < 3; i++) {
            words[i] = mac.octet(2 * i) | (mac.octet(2 * i + 1) << 8);
        }
        words[0x0A] = 0x4408; // Initialization Control Word 1, as on an 82540EM
        words[0x0D] = 0x100E; // device id 82540EM
        words[0x0E] = 0x8086; // vendor Intel
        int sum = 0;
        for (int i = 0; i < words.length - 1; i++) {
            sum += words[i];
        }
        words[words.length - 1] = (E1000Registers.EEPROM_CHECKSUM - sum) & 0xFFFF;
    }

    /** A word, or 0 beyond the end (reads past the part return nothing useful on hardware either). */
    int read(int address) {
        return address >= 0 && address < words.length ? words[address] : 0;
    }

    /** Breaks the checksum (tests of a driver's EEPROM verification). */
    void corrupt() {
        words[5] ^= 0x0101;
    }

    MacAddress mac() {
        long bits = 0;
        for (int i = 0; i < 3; i++) {
            bits = (bits << 16) | ((words[i] & 0xFF) << 8) | (words[i] >>> 8);
        }
        return new MacAddress(bits);
    }
}
