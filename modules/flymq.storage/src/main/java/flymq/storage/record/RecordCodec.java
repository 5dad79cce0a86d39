package flymq.storage.record;

import flymq.protocol.record.RecordFactory;
import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.Header;
import flymq.storage.Record;
import flymq.storage.StoredRecord;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The records of a segment's {@code .log} file, and of {@link flymq.storage.LogSlice} bytes, in storage's own types.
 *
 * <p>A {@code .log} file is a run of records with no file header and no padding, each laid out as
 * {@link StoredRecordLayout} defines (that layout is the protocol module's, because BATCH_FETCH sends these bytes to
 * clients as they lie in the file; its class comment is the record format). An append encodes its whole batch into
 * one buffer and writes it with one write, so a batch's records are contiguous, their offsets the batch's first
 * offset plus their index. A record is valid at a place in the file when {@link StoredRecordLayout#validate}
 * accepts it and its offset is the one expected there. The per-record CRC means damage costs only the damaged record
 * and those after it, never a record before it.
 */
public final class RecordCodec {

    private static final RecordFactory<StoredRecord, Header> STORED = new RecordFactory<>() {
        @Override
        public Header header(String name, byte[] value) {
            return new Header(name, value);
        }

        @Override
        public StoredRecord record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
            return new StoredRecord(offset, timestamp, key, value, headers);
        }

        @Override
        public StoredRecord record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers,
                                   long expiresAt) {
            return new StoredRecord(offset, timestamp, key, value, headers, expiresAt);
        }
    };

    private RecordCodec() {}

    /** How storage builds its records while the layout decodes them (no intermediate objects). */
    public static RecordFactory<StoredRecord, Header> storedRecords() {
        return STORED;
    }

    /** Encoded size of a record (4 + length). */
    public static int sizeOf(Record record) {
        return StoredRecordLayout.sizeOf(record.key(), record.value(), record.headers(), Header::key, Header::value,
                record.expiresAt());
    }

    /**
     * Writes one record at the buffer's position (which advances by {@link #sizeOf}); {@code crc} is scratch state.
     */
    public static void encode(Record record, long offset, ByteBuffer dst, CRC32C crc) {
        StoredRecordLayout.encode(dst, crc, offset, record.timestamp(), record.key(), record.value(),
                record.headers(), Header::key, Header::value, record.expiresAt());
    }

    /** Decodes a record already checked by {@link StoredRecordLayout#validate}. */
    public static StoredRecord decode(ByteBuffer buf, int start) {
        return StoredRecordLayout.decode(buf, start, STORED);
    }
}
