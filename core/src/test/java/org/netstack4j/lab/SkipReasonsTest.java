package org.netstack4j.lab;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** The build says why a test was skipped: an assumption's message, or @Disabled's reason. */
class SkipReasonsTest {
    /** Run only by the launcher below (Surefire leaves nested classes alone). */
    static class Sample {
        @Test
        void needsRoot() {
            Assumptions.assumeTrue(false, "needs root for /dev/net/tun");
        }

        @Test
        @Disabled("waiting for jumbo frames")
        void disabled() {
        }

        @Test
        void runs() {
        }
    }

    @Test
    void eachSkipIsPrintedWithItsReason() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(Sample.class))
                    .build(), new SkipReasons());
        } finally {
            System.setOut(old);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("[SKIPPED] needsRoot() in org.netstack4j.lab.SkipReasonsTest$Sample: "
                        + "Assumption failed: needs root for /dev/net/tun",
                "[SKIPPED] disabled() in org.netstack4j.lab.SkipReasonsTest$Sample: waiting for jumbo frames")
                .doesNotContain("runs()");
    }
}
