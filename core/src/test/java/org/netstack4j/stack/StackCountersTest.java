package org.netstack4j.stack;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The counters' keys in JSON are snake_case; text output gets the netstat names back. */
class StackCountersTest {

    @Test
    void keysAreTheNetstatNamesInSnakeCase() {
        assertThat(StackCounters.key(Counter.UDP_IN_DATAGRAMS)).isEqualTo("in_datagrams");
        assertThat(StackCounters.key(Counter.IP_OUT_REQUESTS)).isEqualTo("out_requests");
        assertThat(StackCounters.key(Counter.IP_REASM_OKS)).isEqualTo("reasm_oks");
        assertThat(StackCounters.key(Counter.IP_IN_CSUM_ERRORS)).isEqualTo("in_csum_errors");
        assertThat(StackCounters.key(Counter.ICMP_IN_ECHO_REPS)).isEqualTo("in_echo_reps");
    }

    @Test
    void everyKeyIsSnakeCaseUniqueInItsProtocolAndLeadsBackToItsNetstatName() {
        Set<String> seen = new HashSet<>();
        for (Counter c : Counter.values()) {
            String key = StackCounters.key(c);
            assertThat(key).as(c.name()).matches("[a-z][a-z0-9]*(_[a-z0-9]+)*");
            assertThat(seen.add(c.protocol() + "/" + key)).as("%s is the only %s/%s", c, c.protocol(), key).isTrue();
            assertThat(StackCounters.netstatName(c.protocol(), key)).isEqualTo(c.netstatName());
        }
        Map<String, Map<String, Long>> byProtocol = new StackCounters().byProtocol();
        assertThat(byProtocol.get("udp")).containsKey("in_datagrams").doesNotContainKey("InDatagrams");
        assertThat(byProtocol.values().stream().mapToInt(Map::size).sum()).isEqualTo(Counter.values().length);
    }
}
