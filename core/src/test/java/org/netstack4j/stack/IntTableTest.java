package org.netstack4j.stack;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class IntTableTest {
    @Test
    void behavesAsAMapUnderRandomAddsAndRemovesWithinItsBound() {
        for (long seed = 0; seed < 20; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            IntTable<Integer> t = new IntTable<>(64, seed);
            Map<Integer, Integer> reference = new HashMap<>();
            for (int op = 0; op < 20_000; op++) {
                int key = r.nextInt(200) - 100; // collisions and negative keys
                if (r.nextInt(3) == 0) {
                    t.remove(key);
                    reference.remove(key);
                } else {
                    boolean fits = reference.containsKey(key) || reference.size() < 64;
                    assertThat(t.put(key, op)).isEqualTo(fits);
                    if (fits) {
                        reference.put(key, op);
                    }
                }
                assertThat(t.size()).isEqualTo(reference.size());
                int probe = r.nextInt(200) - 100;
                assertThat(t.get(probe)).isEqualTo(reference.get(probe));
            }
            for (Map.Entry<Integer, Integer> e : reference.entrySet()) {
                assertThat(t.get(e.getKey())).isEqualTo(e.getValue());
            }
        }
    }
}
