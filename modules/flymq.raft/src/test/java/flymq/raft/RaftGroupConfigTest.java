package flymq.raft;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RaftGroupConfigTest {

    private final RaftMember n1 = RaftMember.parse("n1@127.0.0.1:9093");
    private final RaftMember n2 = RaftMember.parse("n2@127.0.0.1:9193");

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void memberSpecParsesIdAndAddress() {
        assertEquals(new RaftMember("n1", "127.0.0.1:9093"), n1);
        assertEquals(9093, n1.socketAddress().getPort());
    }

    @Test
    void malformedMemberSpecsAreRejectedNamingTheInput() {
        assertTrue(message(() -> RaftMember.parse("n1")).contains("'n1'"));
        assertTrue(message(() -> RaftMember.parse("n1@host")).contains("host:port"));
        assertTrue(message(() -> RaftMember.parse("n1@host:99999")).contains("99999"));
        assertTrue(message(() -> RaftMember.parse("n1@host:abc")).contains("non-numeric"));
    }

    @Test
    void defaultsAimAtSubSecondFailover() {
        RaftGroupConfig c = RaftGroupConfig.builder(n1, List.of(n1, n2)).build();
        assertEquals(Duration.ofMillis(100), c.heartbeatPeriod());
        assertTrue(c.leaderHeartbeatTimeout().plus(c.leaderElectionTimeout()).toMillis() < 1000);
        assertTrue(c.isFoundingMember());
    }

    @Test
    void memberOutsideTheInitialListJoinsInsteadOfFounding() {
        RaftMember n3 = RaftMember.parse("n3@127.0.0.1:9293");
        assertFalse(RaftGroupConfig.builder(n3, List.of(n1, n2)).build().isFoundingMember());
    }

    @Test
    void duplicateMemberIdsAreRejected() {
        RaftMember clash = RaftMember.parse("n1@127.0.0.1:9999");
        assertTrue(message(() -> RaftGroupConfig.builder(n2, List.of(n1, clash)).build()).contains("n1 twice"));
    }

    @Test
    void localMemberWithAKnownIdButAnotherAddressIsRejected() {
        RaftMember moved = RaftMember.parse("n1@127.0.0.1:9999");
        assertTrue(message(() -> RaftGroupConfig.builder(moved, List.of(n1, n2)).build())
                .contains("different address"));
    }

    @Test
    void heartbeatTimeoutShorterThanTwoHeartbeatsIsRejected() {
        String m = message(() -> RaftGroupConfig.builder(n1, List.of(n1)).heartbeatPeriod(Duration.ofMillis(100))
                .leaderHeartbeatTimeout(Duration.ofMillis(150)).build());
        assertTrue(m.contains("150") && m.contains("200"), m);
    }
}
