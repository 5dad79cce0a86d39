package flymq.broker.client;

import java.util.List;

/** Lets cluster tests decode the stored record bytes of a raw BATCH_FETCH answer as the client does. */
public final class StoredRecordsForTests {
    private StoredRecordsForTests() {
    }

    public static List<Message> decode(String topic, int partition, byte[] buf, int start, int length, int count) {
        return StoredRecordBytes.decode(topic, partition, buf, start, length, count);
    }
}
