package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import flymq.broker.TestClock;
import flymq.broker.dlq.RetryHolds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer groups' retry holds in the metadata group (command 15 RETRY_HOLD, snapshot section 15): applied on
 * every node in log order, released by a hold of time 0, carried by snapshots, and ended by the clock.
 */
class MetadataRetryHoldTest {
    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(1_700_000_000_000L);

    private MetadataNode node(String name, RetryHolds holds) {
        MetadataNode n = MetadataNode.open(dir.resolve(name));
        n.machine().retryHolds(holds);
        return n;
    }

    private static byte[] hold(String group, int partition, long offset, int failures, long notBefore) {
        return new MetadataCommand.RetryHold(new RetryHolds.Hold(group, "orders", partition, offset, failures,
                notBefore)).encode();
    }

    @Test
    void theCommandRoundTripsAndRefusesTrailingBytes() {
        RetryHolds.Hold h = new RetryHolds.Hold("billing", "orders", 3, 42, 2, 1_700_000_060_000L);
        byte[] bytes = new MetadataCommand.RetryHold(h).encode();
        assertEquals(MetadataCommand.RETRY_HOLD, bytes[0]);
        assertEquals(new MetadataCommand.RetryHold(h), MetadataCommand.decode(bytes));
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IllegalArgumentException.class, () -> MetadataCommand.decode(longer));
    }

    @Test
    void holdsAreAppliedReleasedCarriedBySnapshotsAndEndedByTheClock() {
        RetryHolds leaderHolds = new RetryHolds(clock);
        RetryHolds followerHolds = new RetryHolds(clock);
        long t = clock.millis();
        try (MetadataNode leader = node("leader", leaderHolds); MetadataNode follower = node("follower",
                followerHolds)) {
            leader.machine().apply(1, hold("billing", 0, 7, 1, t + 60_000));
            leader.machine().apply(2, hold("audit", 0, 3, 1, t + 60_000));
            leader.machine().apply(3, hold("billing", 1, 9, 1, t + 30_000));
            leader.machine().apply(4, hold("audit", 0, 3, 0, 0)); // audit's record was dead-lettered: released
            assertNull(leaderHolds.active("audit", "orders", 0));
            assertEquals(7, leaderHolds.active("billing", "orders", 0).offset());
            // a dead letter of another record does not release the hold a later failure took
            leader.machine().apply(5, hold("billing", 0, 6, 0, 0));
            assertEquals(7, leaderHolds.active("billing", "orders", 0).offset());
            // a second record failing with an earlier not-before time does not shorten the wait
            leader.machine().apply(6, hold("billing", 1, 10, 1, t + 20_000));
            assertEquals(new RetryHolds.Hold("billing", "orders", 1, 10, 1, t + 30_000),
                    leaderHolds.active("billing", "orders", 1));

            List<byte[]> chunks = new ArrayList<>();
            leader.machine().takeSnapshot(6, chunks::add);
            follower.machine().installSnapshot(6, chunks);
            assertEquals(leaderHolds.all(), followerHolds.all());
            assertEquals(2, followerHolds.all().size());

            clock.advance(Duration.ofMillis(30_000));
            assertNull(followerHolds.active("billing", "orders", 1), "ended at its not-before time");
            assertNull(leaderHolds.active("billing", "orders", 1));
            assertEquals(7, followerHolds.active("billing", "orders", 0).offset());
            clock.advance(Duration.ofMillis(30_000));
            assertNull(followerHolds.active("billing", "orders", 0));

            // a snapshot taken with no hold left has no section, and installing it leaves no hold behind
            leaderHolds.sweep();
            List<byte[]> empty = new ArrayList<>();
            leader.machine().takeSnapshot(7, empty::add);
            followerHolds.apply(new RetryHolds.Hold("x", "orders", 0, 1, 1, clock.millis() + 1_000));
            follower.machine().installSnapshot(7, empty);
            assertEquals(List.of(), followerHolds.all());
        }
    }

    @Test
    void aDamagedSectionIsRefusedWithTheFacts() {
        byte[] section = {15, 0, 0, 0, 9};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RetryHolds.decode(section, 1, "metadata snapshot at index 8"));
        assertEquals(true, e.getMessage().startsWith("metadata snapshot at index 8: damaged retry holds"),
                e.getMessage());
    }
}
