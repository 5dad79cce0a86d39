package flymq.client;

import flymq.protocol.record.InvalidRecordException;
import flymq.protocol.record.RecordFactory;
import flymq.protocol.record.StoredRecordLayout;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Turns the record bytes of a BATCH_FETCH answer into messages. They are the partition log's stored bytes, sent as
 * they lie in the segment file so that the server sends them without decoding; their layout, and the checks (CRC
 * per record, lengths that add up), belong to {@link StoredRecordLayout}, so a record damaged on disk or on the way
 * is reported instead of delivered.
 *
 * <p>Expired records (TTL) are dropped here: the server sends the stored bytes without decoding them, so it cannot
 * leave an expired record out of the slice, and each record carries its expiry ({@link StoredRecordLayout}). A record
 * counts as expired when its expiry is at or before this client's clock; the position still moves past it.
 */
final class StoredRecordBytes {
    private StoredRecordBytes() {
    }

    /** The live records of a slice, and the offset after the last stored record (-1 when the slice was empty). */
    record Decoded(List<Message> messages, long nextOffset) {
    }

    static Decoded decode(String topic, int partition, byte[] buf, int start, int length, int expectedCount,
                          long nowMs) {
        long[] next = {-1};
        RecordFactory<Message, Header> messages = new RecordFactory<>() {
            @Override
            public Header header(String name, byte[] value) {
                return new Header(name, value);
            }

            @Override
            public Message record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
                return record(offset, timestamp, key, value, headers, StoredRecordLayout.NO_EXPIRY);
            }

            @Override
            public Message record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers,
                                  long expiresAt) {
                next[0] = offset + 1;
                return StoredRecordLayout.isExpired(expiresAt, nowMs) ? null
                        : new Message(topic, partition, offset, timestamp, key, value, headers);
            }
        };
        List<Message> out;
        try {
            out = StoredRecordLayout.decodeAll(ByteBuffer.wrap(buf), start, start + length, messages);
        } catch (InvalidRecordException e) {
            throw new ProtocolException("BATCH_FETCH " + topic + "-" + partition + ": " + e.getMessage());
        }
        if (out.size() != expectedCount) {
            throw new ProtocolException("BATCH_FETCH " + topic + "-" + partition + ": answer announced "
                    + expectedCount + " records, its bytes hold " + out.size());
        }
        out.removeIf(Objects::isNull);
        return new Decoded(out, next[0]);
    }
}
