package flymq.raft;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link RaftTimebase}'s election backoff: a failover with one split vote keeps the normal window. */
class ElectionBackoffTest {

    @Test
    void theWindowDoublesOnlyAfterAPreVoteAVoteAndOneRetryAndStopsGrowing() {
        assertEquals(0, RaftTimebase.backoffDoublings(0));
        assertEquals(0, RaftTimebase.backoffDoublings(1));
        assertEquals(0, RaftTimebase.backoffDoublings(2));
        assertEquals(1, RaftTimebase.backoffDoublings(3));
        assertEquals(2, RaftTimebase.backoffDoublings(4));
        assertEquals(RaftTimebase.MAX_BACKOFF_DOUBLINGS, RaftTimebase.backoffDoublings(1_000));
    }

    @Test
    void seeingALeaderStartsTheNextElectionWithTheNormalWindowAgain() {
        RaftTimebase timebase = new RaftTimebase(10, RaftThreads.shared(), "test");
        java.util.Random jitter = timebase.electionJitter(150);
        long spread = timebase.toRaftMillis(150);
        long widest = 0;
        for (int i = 0; i < 200; i++) {
            widest = Math.max(widest, jitter.nextInt(RaftTimebase.MICRORAFT_JITTER_BOUND));
        }
        // after many draws without a leader the window is 2^MAX times wider: some draw lands beyond one spread
        org.junit.jupiter.api.Assertions.assertTrue(widest >= spread, widest + " < " + spread);
        timebase.leaderKnown();
        for (int i = 0; i < RaftTimebase.FREE_ELECTION_DRAWS; i++) {
            int draw = jitter.nextInt(RaftTimebase.MICRORAFT_JITTER_BOUND);
            org.junit.jupiter.api.Assertions.assertTrue(draw < spread, draw + " >= " + spread);
        }
    }
}
