package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.protocol.Acks;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.BatchProduceRequest;
import flymq.protocol.message.BatchProduceResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BATCH_PRODUCE with the idempotence trailer on a single node: a retried group is appended once. */
class IdempotentProduceTest {
    @TempDir
    Path dir;
    TestBroker broker;

    @BeforeEach
    void start() {
        broker = TestBroker.start(dir);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static PayloadWriter batch(long producerId, int[] sequences, Acks acks, String... values) {
        PayloadWriter w = new PayloadWriter();
        BatchProduceRequest.Writer out = BatchProduceRequest.writer(w, "t", acks, sequences.length);
        for (int g = 0; g < sequences.length; g++) {
            out.group(g, values.length);
            for (String v : values) {
                out.record(0, null, v.getBytes(StandardCharsets.UTF_8), 0);
            }
        }
        if (producerId < 0) {
            out.end(false);
        } else {
            out.endIdempotent(producerId, sequences);
        }
        return w;
    }

    private List<BatchProduceResponse.GroupResult> send(PayloadWriter request) throws Exception {
        try (WireClient w = broker.client()) {
            WireClient.Frame f = w.call(ExtensionOpcodes.BATCH_PRODUCE, request);
            assertFalse(f.isError(), () -> f.errorText());
            return BatchProduceResponse.read(f.reader()).groups();
        }
    }

    private int stored(int partition) {
        try (FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + broker.port())) {
            return c.batchFetch("t", List.of(new FetchPosition(partition, 0)), 1 << 20).get(0).records().size();
        }
    }

    @Test
    void aRetriedGroupGetsItsFirstOffsetAndIsNotAppendedAgain() throws Exception {
        try (FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + broker.port())) {
            c.createTopic("t", 2);
        }
        List<BatchProduceResponse.GroupResult> first = send(batch(7, new int[] {0, 0}, Acks.ALL, "a", "b"));
        assertEquals(List.of(0L, 0L), first.stream().map(BatchProduceResponse.GroupResult::baseOffset).toList());
        send(batch(7, new int[] {2, -1}, Acks.ALL, "c", "d"));
        // the first request again (its answer was lost): partition 0's group and partition 1's are both known
        List<BatchProduceResponse.GroupResult> retry = send(batch(7, new int[] {0, 0}, Acks.ALL, "a", "b"));
        assertEquals(List.of(0L, 0L), retry.stream().map(BatchProduceResponse.GroupResult::baseOffset).toList());
        assertEquals(4, stored(0));
        assertEquals(4, stored(1));
    }

    @Test
    void groupsWithoutASequenceOrWithoutAProducerAreAppendedEveryTime() throws Exception {
        send(batch(7, new int[] {-1}, Acks.ALL, "a"));
        send(batch(7, new int[] {-1}, Acks.ALL, "a"));
        send(batch(-1, new int[] {0}, Acks.LEADER, "a"));
        send(batch(-1, new int[] {0}, Acks.LEADER, "a"));
        assertEquals(4, stored(0));
    }

    @Test
    void anotherProducersBatchWithTheSameSequenceIsNew() throws Exception {
        send(batch(7, new int[] {0}, Acks.ALL, "a"));
        List<BatchProduceResponse.GroupResult> other = send(batch(8, new int[] {0}, Acks.ALL, "a"));
        assertEquals(1, other.getFirst().baseOffset());
        assertEquals(2, stored(0));
    }
}
