package org.netstack4j.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ping} as a process of its own, stopped with Ctrl-C (SIGINT) as a user stops iputils' ping. */
class PingProcessTest {

    @Test
    void ctrlCPrintsTheStatisticsAndExits0WhenRepliesCame() throws Exception {
        try (CliProcess ping = CliProcess.start("ping", "ping", "-c", "1000", "-i", "0.2", "10.0.2.2")) {
            ping.awaitLine(l -> l.contains("icmp_seq=2 "), Duration.ofSeconds(60));
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(ping.pid())).inheritIO().start();
            assertThat(kill.waitFor()).isZero();

            int exit = ping.await(Duration.ofSeconds(30));

            assertThat(exit).as(ping.transcript()).isZero();
            assertThat(ping.out()).contains("--- 10.0.2.2 ping statistics ---", "rtt min/avg/max/mdev = ")
                    .containsPattern("\\d+ packets transmitted, \\d+ received, [\\d.]+% packet loss, time \\d+ms");
            assertThat(ping.out()).doesNotContain("1000 packets transmitted");
        }
    }
}
