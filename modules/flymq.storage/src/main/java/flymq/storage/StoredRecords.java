package flymq.storage;

import flymq.protocol.record.InvalidRecordException;
import flymq.protocol.record.RecordFactory;
import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.record.RecordCodec;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Reads records in the stored format (a {@link LogSlice}'s bytes, as a zero-copy fetch sends them) that arrived
 * from elsewhere, e.g. from another node's log: each is checked (length, CRC, field lengths) before it is decoded.
 */
public final class StoredRecords {
    private StoredRecords() {
    }

    /**
     * @param bytes the stored bytes, from its position to its limit, whole records only
     * @throws CorruptRecordException naming the byte position of the first record that is not valid
     */
    public static List<StoredRecord> decode(ByteBuffer bytes) {
        return decode(bytes, RecordCodec.storedRecords());
    }

    /**
     * As {@link #decode} into records to append elsewhere (their offsets dropped): the records of a replicated batch
     * that a replica must look into before it stores them.
     */
    public static List<Record> decodeRecords(ByteBuffer bytes) {
        return decode(bytes, RecordCodec.records());
    }

    private static <R> List<R> decode(ByteBuffer bytes, RecordFactory<R, Header> factory) {
        try {
            return StoredRecordLayout.decodeAll(bytes, bytes.position(), bytes.limit(), factory);
        } catch (InvalidRecordException e) {
            throw new CorruptRecordException("stored records: record at byte " + (bytes.position() + e.position())
                    + ": " + e.problem());
        }
    }
}
