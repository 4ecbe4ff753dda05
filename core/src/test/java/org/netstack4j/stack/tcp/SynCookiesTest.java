package org.netstack4j.stack.tcp;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The cookie codec: what goes in comes out for the same connection and time, and nothing else passes. */
class SynCookiesTest {
    private static final long S = 1_000_000_000L;
    private final SynCookies cookies = new SynCookies(0x0123_4567_89AB_CDEFL, 0x0FED_CBA9_8765_4321L);

    @Test
    void everyOptionCombinationRoundTrips() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 20_000; i++) {
            int local = r.nextInt();
            int remote = r.nextInt();
            int lport = r.nextInt(1, 65_536);
            int rport = r.nextInt(1, 65_536);
            int peerIsn = r.nextInt();
            int mss = SynCookies.MSS[r.nextInt(SynCookies.MSS.length)];
            int scale = r.nextInt(-1, 15);
            boolean sack = r.nextBoolean();
            boolean ts = r.nextBoolean();
            long made = r.nextLong(0, 1_000_000 * S);
            long checked = made + r.nextLong(0, SynCookies.TICK_NANOS); // within the next tick at most
            int options = SynCookies.options(mss, scale, sack, ts);
            int cookie = cookies.make(local, lport, remote, rport, peerIsn, options, made);
            int back = cookies.check(local, lport, remote, rport, peerIsn, cookie, checked);
            assertThat(back).as("cookie %08x", cookie).isEqualTo(options);
            assertThat(SynCookies.mss(back)).isEqualTo(mss);
            assertThat(SynCookies.windowScale(back)).isEqualTo(scale);
            assertThat(SynCookies.sack(back)).isEqualTo(sack);
            assertThat(SynCookies.timestamps(back)).isEqualTo(ts);
        }
    }

    @Test
    void anMssIsRoundedDownToTheTableAndAWindowScaleAbove14IsCappedAt14() {
        assertThat(SynCookies.mss(SynCookies.options(1459, -1, false, false))).isEqualTo(1440);
        assertThat(SynCookies.mss(SynCookies.options(100, -1, false, false))).isEqualTo(536);
        assertThat(SynCookies.mss(SynCookies.options(65_000, -1, false, false))).isEqualTo(8960);
        assertThat(SynCookies.windowScale(SynCookies.options(1460, 20, false, false))).isEqualTo(14);
    }

    @Test
    void aCookieFailsForAnotherConnectionAnotherPeerIsnOrAfterTwoTicks() {
        int options = SynCookies.options(1460, 7, true, true);
        long t = 500 * S;
        int cookie = cookies.make(1, 80, 2, 40_000, 1000, options, t);
        assertThat(cookies.check(1, 80, 2, 40_000, 1000, cookie, t)).isEqualTo(options);
        assertThat(cookies.check(1, 80, 2, 40_001, 1000, cookie, t)).isEqualTo(SynCookies.INVALID);
        assertThat(cookies.check(1, 80, 3, 40_000, 1000, cookie, t)).isEqualTo(SynCookies.INVALID);
        assertThat(cookies.check(1, 81, 2, 40_000, 1000, cookie, t)).isEqualTo(SynCookies.INVALID);
        assertThat(cookies.check(1, 80, 2, 40_000, 1001, cookie, t)).isEqualTo(SynCookies.INVALID);
        long tickStart = t / SynCookies.TICK_NANOS * SynCookies.TICK_NANOS;
        assertThat(cookies.check(1, 80, 2, 40_000, 1000, cookie, tickStart + 2 * SynCookies.TICK_NANOS - 1))
                .as("still good in the next tick").isEqualTo(options);
        assertThat(cookies.check(1, 80, 2, 40_000, 1000, cookie, tickStart + 2 * SynCookies.TICK_NANOS))
                .as("stale two ticks on").isEqualTo(SynCookies.INVALID);
        assertThat(cookies.check(1, 80, 2, 40_000, 1000, cookie, tickStart - 1)).as("not before it was made")
                .isEqualTo(SynCookies.INVALID);
        SynCookies otherKey = new SynCookies(1, 2);
        assertThat(otherKey.check(1, 80, 2, 40_000, 1000, cookie, t)).isEqualTo(SynCookies.INVALID);
    }

    @Test
    void everySingleBitFlipIsRefusedAndBlindGuessesPassAboutOnceIn2To18() {
        int options = SynCookies.options(1460, 7, true, true);
        long t = 10 * S;
        int cookie = cookies.make(7, 443, 9, 50_000, 42, options, t);
        for (int bit = 0; bit < 32; bit++) {
            assertThat(cookies.check(7, 443, 9, 50_000, 42, cookie ^ 1 << bit, t)).as("bit %d", bit)
                    .isEqualTo(SynCookies.INVALID);
        }
        SplittableRandom r = new SplittableRandom(2);
        int passed = 0;
        int guesses = 1 << 20;
        for (int i = 0; i < guesses; i++) {
            if (cookies.check(7, 443, 9, 50_000, 42, r.nextInt(), t) != SynCookies.INVALID) {
                passed++;
            }
        }
        // Two ticks checked, each an 18-bit MAC over a 5-bit clock that must match: about 2^20 * 2 / 2^23 = 0.25.
        assertThat(passed).isLessThanOrEqualTo(4);
    }

    @Test
    void theCookiesOfOneConnectionLookUnrelated() {
        // The masked clock and options: two cookies for neighbouring ports share no visible structure.
        int options = SynCookies.options(1460, 7, true, true);
        int a = cookies.make(1, 80, 2, 40_000, 1000, options, 0);
        int b = cookies.make(1, 80, 2, 40_001, 1000, options, 0);
        assertThat(Integer.bitCount(a ^ b)).isBetween(6, 26);
        assertThat(a >>> 18).isNotEqualTo(b >>> 18);
    }
}
