package org.netstack4j.stack.tcp;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RecoveryUndoTest {
    @Test
    void undoneOnlyWhenEveryRetransmissionWasReportedDuplicate() {
        RecoveryUndo undo = new RecoveryUndo();
        undo.begin(1000, 20_000, Long.MAX_VALUE);
        undo.retransmitted();
        undo.retransmitted();
        assertThat(undo.duplicateReported(900)).as("below the episode's start: not one of its copies").isFalse();
        assertThat(undo.duplicateReported(2000)).isFalse();
        assertThat(undo.duplicateReported(3000)).isTrue();
        assertThat(undo.priorCwnd()).isEqualTo(20_000);
        assertThat(undo.isOpen()).isFalse();
        assertThat(undo.duplicateReported(4000)).as("once").isFalse();
    }

    @Test
    void theChanceEndsOneFlightAfterTheRecovery() {
        RecoveryUndo undo = new RecoveryUndo();
        undo.begin(1000, 20_000, 50_000);
        undo.retransmitted();
        undo.recoveryEnded(9000);
        undo.acknowledged(8000);
        assertThat(undo.isOpen()).isTrue();
        undo.acknowledged(9000);
        assertThat(undo.isOpen()).isFalse();
        assertThat(undo.duplicateReported(5000)).isFalse();
    }

    @Test
    void undoRestoresTheWindowAndEndsRecovery() {
        CongestionControl cc = CongestionControl.Kind.CUBIC.create(1000);
        long before = cc.cwnd();
        cc.onSackedLoss(before, 50_000);
        assertThat(cc.inRecovery()).isTrue();
        assertThat(cc.ssthresh()).isLessThan(before);
        cc.undo(before, Long.MAX_VALUE);
        assertThat(cc.inRecovery()).isFalse();
        assertThat(cc.cwnd()).isEqualTo(before);
        assertThat(cc.ssthresh()).isEqualTo(Long.MAX_VALUE);
    }
}
