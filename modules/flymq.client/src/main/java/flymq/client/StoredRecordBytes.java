package flymq.client;

import flymq.protocol.record.InvalidRecordException;
import flymq.protocol.record.RecordFactory;
import flymq.protocol.record.StoredRecordLayout;
import java.util.List;

/**
 * Turns the record bytes of a BATCH_FETCH answer into messages. They are the partition log's stored bytes, sent as
 * they lie in the segment file so that the server sends them without decoding; their layout, and the checks (CRC
 * per record, lengths that add up), belong to {@link StoredRecordLayout}, so a record damaged on disk or on the way
 * is reported instead of delivered.
 *
 * <p>Control records (transaction markers, attribute bit {@link StoredRecordLayout#CONTROL}) are checked like every
 * record and then skipped: they are not messages, but the position moves past them ({@link Decoded#lastOffset}).
 *
 * <p>Expired records (TTL) are dropped here too: the server sends the stored bytes without decoding them, so it cannot
 * leave an expired record out of the slice, and each record carries its expiry ({@link StoredRecordLayout}). A record
 * counts as expired when its expiry is at or before this client's clock; the position still moves past it.
 */
final class StoredRecordBytes {
    private StoredRecordBytes() {
    }

    /** The messages of one partition's bytes, and the offset of the last record there (control or not; -1: none). */
    record Decoded(List<Message> messages, long lastOffset) {
    }

    static Decoded decode(String topic, int partition, byte[] buf, int start, int length, int expectedCount,
                          long nowMs) {
        RecordFactory<Message, Header> messages = new RecordFactory<>() {
            @Override
            public Header header(String name, byte[] value) {
                return new Header(name, value);
            }

            @Override
            public Message record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
                return new Message(topic, partition, offset, timestamp, key, value, headers);
            }
        };
        StoredRecordLayout.Visible<Message> found;
        try {
            found = StoredRecordLayout.decodeVisible(buf, start, start + length, messages, nowMs, expectedCount);
        } catch (InvalidRecordException e) {
            throw new ProtocolException("BATCH_FETCH " + topic + "-" + partition + ": record at byte "
                    + e.position() + ": " + e.problem());
        }
        if (found.count() != expectedCount) {
            throw new ProtocolException("BATCH_FETCH " + topic + "-" + partition + ": answer announced "
                    + expectedCount + " records, its bytes hold " + found.count());
        }
        return new Decoded(found.records(), found.lastOffset());
    }
}
