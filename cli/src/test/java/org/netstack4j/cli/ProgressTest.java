package org.netstack4j.cli;

import org.junit.jupiter.api.Test;
import org.netstack4j.lab.FrameExchange;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** Progress: redrawn in place on a terminal, plain lines when piped; how far and when it ends. */
class ProgressTest {
    @Test
    void onATerminalOneLineIsRedrawnAndEndedOnce() {
        StringWriter w = new StringWriter();
        Progress p = new Progress(new PrintWriter(w), "frames", 1, true);
        p.print("10% (ETA 0:09)");
        p.print("20% (ETA 0:08)");
        p.finish();
        p.finish();
        assertThat(w.toString()).isEqualTo("\rnetstack4j frames: 10% (ETA 0:09)\u001b[K"
                + "\rnetstack4j frames: 20% (ETA 0:08)\u001b[K" + System.lineSeparator());
    }

    @Test
    void pipedEachReportIsALineOfItsOwn() {
        StringWriter w = new StringWriter();
        Progress p = new Progress(new PrintWriter(w), "frames", 1, false);
        p.print("a");
        p.print("b");
        p.finish();
        assertThat(w.toString()).isEqualTo("netstack4j frames: a" + System.lineSeparator() + "netstack4j frames: b"
                + System.lineSeparator());
    }

    @Test
    void percentAndEtaFollowTheRateSoFar() {
        assertThat(FrameExchange.percentAndEta(0, 100, 5_000_000_000L)).isEqualTo("0%");
        assertThat(FrameExchange.percentAndEta(25, 100, 10_000_000_000L)).isEqualTo("25% (ETA 0:30)");
        assertThat(FrameExchange.percentAndEta(50, 100, 100_000_000_000L)).isEqualTo("50% (ETA 1:40)");
        assertThat(FrameExchange.percentAndEta(100, 100, 1)).isEqualTo("100% (ETA 0:00)");
        assertThat(FrameExchange.percentAndEta(0, 0, 1)).isEqualTo("100%");
    }
}
