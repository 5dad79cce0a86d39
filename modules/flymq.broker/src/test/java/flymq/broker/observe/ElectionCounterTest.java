package flymq.broker.observe;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How {@code flymq_raft_elections_total} counts the metadata group's terms. */
class ElectionCounterTest {

    @Test
    void aFreshNodeCountsEveryTermUpToTheFirstItSees() {
        BrokerTelemetry.ElectionCounter c = new BrokerTelemetry.ElectionCounter(false);
        c.onTermChange("metadata", 2); // term 1 was a split vote this node never reported
        assertEquals(2, c.elections());
        c.onTermChange("metadata", 3);
        assertEquals(3, c.elections());
    }

    @Test
    void aRestartedNodeTakesItsRestoredTermAsTheBaseline() {
        BrokerTelemetry.ElectionCounter c = new BrokerTelemetry.ElectionCounter(true);
        c.onTermChange("metadata", 7);
        assertEquals(0, c.elections());
        c.onTermChange("metadata", 9);
        assertEquals(2, c.elections());
    }

    @Test
    void aRepeatedOrOlderTermIsNoElection() {
        BrokerTelemetry.ElectionCounter c = new BrokerTelemetry.ElectionCounter(false);
        c.onTermChange("metadata", 1);
        c.onTermChange("metadata", 1);
        c.onTermChange("metadata", 0);
        assertEquals(1, c.elections());
    }
}
