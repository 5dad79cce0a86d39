package flymq.broker.produce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The per-partition memory of idempotent producers' batches. */
class ProducerSequencesTest {

    @Test
    void aBatchSeenBeforeIsADuplicateOfItsFirstAppend() {
        ProducerSequences t = new ProducerSequences();
        ProducerBatch b = new ProducerBatch(1, 0);
        assertEquals(-1, t.duplicateOf(b, 3));
        t.appended(b, 3, 100);
        assertEquals(100, t.duplicateOf(b, 3));
        assertEquals(-1, t.duplicateOf(b, 4), "another record count is another batch");
        assertEquals(-1, t.duplicateOf(new ProducerBatch(2, 0), 3), "another producer");
        assertEquals(-1, t.duplicateOf(new ProducerBatch(1, 3), 3), "the next sequence");
    }

    @Test
    void anOlderBatchThatWasNeverAppendedIsNew() {
        // batch 0 failed while batch 5 was in flight and appended: batch 0's retry must be appended
        ProducerSequences t = new ProducerSequences();
        t.appended(new ProducerBatch(1, 5), 2, 10);
        assertEquals(-1, t.duplicateOf(new ProducerBatch(1, 0), 5));
    }

    @Test
    void batchesWithoutAProducerAreNeverRemembered() {
        ProducerSequences t = new ProducerSequences();
        t.appended(ProducerBatch.NONE, 3, 0);
        t.appended(new ProducerBatch(4, -1), 3, 0);
        assertTrue(t.isEmpty());
        assertEquals(-1, t.duplicateOf(ProducerBatch.NONE, 3));
    }

    @Test
    void eachProducerKeepsItsLastBatchesOnly() {
        ProducerSequences t = new ProducerSequences();
        for (int i = 0; i <= ProducerSequences.BATCHES_PER_PRODUCER; i++) {
            t.appended(new ProducerBatch(1, i), 1, i);
        }
        assertEquals(-1, t.duplicateOf(new ProducerBatch(1, 0), 1), "the oldest fell out of the window");
        assertEquals(1, t.duplicateOf(new ProducerBatch(1, 1), 1));
        assertEquals(ProducerSequences.BATCHES_PER_PRODUCER,
                t.duplicateOf(new ProducerBatch(1, ProducerSequences.BATCHES_PER_PRODUCER), 1));
    }

    @Test
    void theProducerThatAppendedLongestAgoIsForgottenFirst() {
        ProducerSequences t = new ProducerSequences();
        for (long id = 1; id <= ProducerSequences.MAX_PRODUCERS; id++) {
            t.appended(new ProducerBatch(id, 0), 1, id);
        }
        t.appended(new ProducerBatch(1, 1), 1, 5000); // producer 1 is recent again
        t.appended(new ProducerBatch(ProducerSequences.MAX_PRODUCERS + 1, 0), 1, 6000);
        assertEquals(ProducerSequences.MAX_PRODUCERS, t.producerCount());
        assertEquals(1, t.duplicateOf(new ProducerBatch(1, 0), 1), "producer 1 appended lately: kept");
        assertEquals(-1, t.duplicateOf(new ProducerBatch(2, 0), 1), "producer 2 is the least recent: forgotten");
    }

    @Test
    void theTableSurvivesItsSnapshotBytesInOrder() throws IOException {
        ProducerSequences t = new ProducerSequences();
        t.appended(new ProducerBatch(9, 0), 2, 0);
        t.appended(new ProducerBatch(3, 0), 1, 2);
        t.appended(new ProducerBatch(9, 2), 4, 3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        t.write(new DataOutputStream(bytes));
        ProducerSequences back = new ProducerSequences();
        back.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertEquals(t.toString(), back.toString());
        assertEquals(3, back.duplicateOf(new ProducerBatch(9, 2), 4));
        assertEquals(4 + 2 * (8 + 2) + 3 * 16, bytes.size());
    }

    @Test
    void aDamagedTableIsRefused() {
        byte[] tooMany = {0x7F, 0, 0, 0};
        IOException e = assertThrows(IOException.class,
                () -> new ProducerSequences().read(new DataInputStream(new ByteArrayInputStream(tooMany))));
        assertTrue(e.getMessage().contains("producer table of"), e.getMessage());
    }
}
