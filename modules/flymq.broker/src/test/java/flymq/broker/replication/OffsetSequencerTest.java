package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import flymq.raft.Committed;
import flymq.raft.RaftGroup;
import flymq.storage.Header;
import flymq.storage.Record;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The leader's offset forecast, against a Raft group whose commits the test completes. */
class OffsetSequencerTest {

    private static Record record() {
        return new Record(1L, null, new byte[] {1}, List.of());
    }

    @Test
    void aBatchThatCannotBeEncodedLeavesTheForecastWhereItWas() throws Exception {
        @SuppressWarnings("unchecked")
        RaftGroup<Long> group = mock(RaftGroup.class);
        when(group.term()).thenReturn(1);
        CompletableFuture<Committed<Long>> first = new CompletableFuture<>();
        when(group.replicate(any(byte[].class))).thenReturn(first, new CompletableFuture<>());
        OffsetSequencer sequencer = new OffsetSequencer();

        sequencer.propose(group, List.of(record(), record()), true, 1000).orElseThrow();
        first.complete(new Committed<>(1, 0L));
        assertEquals(2, sequencer.forecast(), "two records from offset 0");

        // the stored layout has 15 bits for a header name's length
        Record unencodable = new Record(1L, null, new byte[] {1},
                List.of(new Header("h".repeat(40_000), new byte[0])));
        assertThrows(IllegalArgumentException.class,
                () -> sequencer.propose(group, List.of(unencodable), true, 1000));
        assertEquals(2, sequencer.forecast(), "nothing was proposed, so nothing moved");

        OffsetSequencer.Proposal next = sequencer.propose(group, List.of(record()), true, 1000).orElseThrow();
        assertEquals(2, next.promisedBase());
    }
}
