package org.netstack4j.comms.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's story as a test: killed clients, slow workers that answer late, 4-tuples reused at
 * once, databases opened and closed all the time. Nothing may be lost or misdelivered.
 */
class KvStoryTest {

    private static void assertSound(KvStory.Result r) {
        assertThat(r.integrity()).as("PRAGMA integrity_check of every database").isEqualTo("ok");
        assertThat(r.databasesChecked()).as("the namespaces and the churned scratch databases").isGreaterThan(4);
        assertThat(r.acknowledgedPuts()).isPositive();
        assertThat(r.putsPresent()).as("every acknowledged put is present").isEqualTo(r.acknowledgedPuts());
        assertThat(r.misdelivered()).as("no answer reached the wrong client").isZero();
        assertThat(r.killedClients()).as("the web server killed slow CGIs").isPositive();
        assertThat(r.lateAnswersDiscarded()).as("late answers were discarded, not written elsewhere").isPositive();
        assertThat(r.reusedFourTuples()).as("killed clients' 4-tuples came back at once").isPositive();
        assertThat(r.churnDatabases()).isPositive();
        assertThat(r.buffersBack()).as("every packet buffer and stream chunk came back").isTrue();
    }

    @Test
    void inSimulatedTimeNothingIsLostOrMisdeliveredAndTheSameSeedGivesTheSameCounters(@TempDir Path a, @TempDir Path b)
            throws Exception {
        KvStory.Plan plan = KvStory.Plan.standard(7, true);
        KvStory.Result first = KvStory.run(plan, a, done -> { });
        assertSound(first);
        KvStory.Result again = KvStory.run(plan, b, done -> { });
        assertThat(again.toMap()).isEqualTo(first.toMap());
    }

    @Test
    void onRealThreadsNothingIsLostOrMisdelivered(@TempDir Path dir) throws Exception {
        KvStory.Result r = KvStory.run(KvStory.Plan.standard(8, false), dir, done -> { });
        assertSound(r);
    }
}
