package flymq.broker;

import static flymq.broker.WireClient.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.group.GroupCoordinator;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * COMMIT and RESET_OFFSET refuse an offset the partition cannot have: beyond its end offset, or a u64 of 2^63 or
 * more. The group's committed offset stays what it was, and lag never goes negative or wraps.
 */
class OffsetBoundsTest {
    @TempDir
    Path dir;
    TestBroker broker;
    WireClient c;

    @BeforeEach
    void startWithFiveRecords() throws Exception {
        broker = TestBroker.start(dir);
        c = broker.client();
        c.createTopic("orders", 2);
        for (int i = 0; i < 5; i++) {
            c.produce("orders", null, "o" + i, 0);
        }
        assertArrayEquals(new byte[] {1}, c.commit("orders", "billing", 0, 2).payload());
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
        broker.close();
    }

    @Test
    void commitBeyondTheEndOffsetIsRefusedNamingTheEnd() throws Exception {
        String error = c.commit("orders", "billing", 0, 6).errorText();
        assertEquals("COMMIT offset 6 of group billing for orders-0 is beyond the end of the partition (end offset 5):"
                + " an offset names the next record to read, so it is at most 5", error);
        assertEquals(2, committed("billing", 0));
    }

    @Test
    void commitOfTheEndOffsetMeansCaughtUp() throws Exception {
        assertArrayEquals(new byte[] {1}, c.commit("orders", "billing", 0, 5).payload());
        assertEquals(5, committed("billing", 0));
        assertEquals(0, lag("billing", 0));
    }

    @Test
    void commitOfAHugeU64IsRefusedAndPrintedUnsigned() throws Exception {
        assertTrue(c.commit("orders", "billing", 0, -1L).errorText()
                .startsWith("COMMIT offset 18446744073709551615 of group billing for orders-0 is beyond the end"));
        assertTrue(c.commit("orders", "billing", 0, Long.MIN_VALUE).errorText()
                .startsWith("COMMIT offset 9223372036854775808 of group billing"));
        assertTrue(c.commit("orders", "billing", 0, Long.MAX_VALUE).errorText()
                .startsWith("COMMIT offset 9223372036854775807 of group billing"));
        assertEquals(2, committed("billing", 0));
        assertEquals(3, lag("billing", 0));
    }

    @Test
    void commitToAnEmptyPartitionAcceptsOnlyZero() throws Exception {
        assertTrue(c.commit("orders", "billing", 1, 1).errorText().contains("(end offset 0)"));
        assertArrayEquals(new byte[] {1}, c.commit("orders", "billing", 1, 0).payload());
    }

    @Test
    void commitToAMissingTopicOrPartitionIsRefused() throws Exception {
        assertTrue(c.commit("nope", "billing", 0, 0).errorText().contains("topic not found: nope"));
        assertTrue(c.commit("orders", "billing", 2, 0).errorText().contains("partition 2 not found"));
    }

    @Test
    void resetToAnOffsetBeyondTheEndIsRefusedLikeACommit() throws Exception {
        assertTrue(reset("offset", 6).errorText().startsWith("RESET_OFFSET offset 6 of group billing for orders-0"
                + " is beyond the end of the partition (end offset 5)"));
        assertTrue(reset("offset", -1L).errorText().startsWith("RESET_OFFSET offset 18446744073709551615"));
        assertEquals(2, committed("billing", 0));
        assertArrayEquals(new byte[] {1}, reset("offset", 5).payload());
        assertEquals(5, committed("billing", 0));
    }

    @Test
    void lagIsNeverNegativeNorWrapped() {
        assertEquals(3, GroupCoordinator.Lag.of(2, 5));
        assertEquals(0, GroupCoordinator.Lag.of(5, 5));
        assertEquals(0, GroupCoordinator.Lag.of(9, 5), "a commit past the end (e.g. the log was truncated)");
        assertEquals(5, GroupCoordinator.Lag.of(-1, 5), "a negative commit stored before offsets were checked");
        assertEquals(Long.MAX_VALUE, GroupCoordinator.Lag.of(Long.MIN_VALUE, Long.MAX_VALUE));
    }

    private WireClient.Frame reset(String mode, long value) throws Exception {
        PayloadWriter w = payload().str16("orders").str16("billing").i32(0).str8(mode).u64(value);
        return c.call(Opcodes.RESET_OFFSET, w);
    }

    private long committed(String group, int partition) throws Exception {
        return c.call(Opcodes.GET_OFFSET, payload().str16("orders").str16(group).i32(partition)).reader().u64("o");
    }

    private long lag(String group, int partition) throws Exception {
        PayloadReader r = c.call(Opcodes.GET_LAG, payload().str16("orders").str16(group).i32(partition)).reader();
        r.u64("current");
        r.u64("committed");
        r.u64("latest");
        return r.u64("lag");
    }
}
