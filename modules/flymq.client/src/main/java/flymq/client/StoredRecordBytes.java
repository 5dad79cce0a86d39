package flymq.client;

import flymq.protocol.record.InvalidRecordException;
import flymq.protocol.record.RecordFactory;
import flymq.protocol.record.StoredRecordLayout;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Turns the record bytes of a BATCH_FETCH answer into messages. They are the partition log's stored bytes, sent as
 * they lie in the segment file so that the server sends them without decoding; their layout, and the checks (CRC
 * per record, lengths that add up), belong to {@link StoredRecordLayout}, so a record damaged on disk or on the way
 * is reported instead of delivered.
 */
final class StoredRecordBytes {
    private StoredRecordBytes() {
    }

    static List<Message> decode(String topic, int partition, byte[] buf, int start, int length, int expectedCount) {
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
        return out;
    }
}
