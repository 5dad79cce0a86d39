package flymq.storage.record;

import flymq.protocol.record.RecordFactory;
import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.EncryptionException;
import flymq.storage.Header;
import flymq.storage.Record;
import flymq.storage.StoredRecord;
import flymq.storage.ValueCipher;
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
 * offset plus their index. A record is valid at a place in the file when {@link #validate} accepts it and its
 * offset is the one expected there. The per-record CRC means damage costs only the damaged record and those after
 * it, never a record before it.
 *
 * <p>With encryption at rest a record's value field holds its sealed value ({@link ValueCipher}) and its attributes
 * {@link StoredRecordLayout#ATTR_ENCRYPTED}; everything else (offset, timestamp, key, headers, the transaction bits
 * and the TTL field) is stored as without encryption, so recovery, the indexes, retention and the readers' filters
 * work on the file without the key. The CRC covers the sealed bytes: recovery checks files without decrypting.
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

    private static final RecordFactory<Record, Header> RECORDS = new RecordFactory<>() {
        @Override
        public Header header(String name, byte[] value) {
            return new Header(name, value);
        }

        @Override
        public Record record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
            return new Record(timestamp, key, value, headers);
        }

        @Override
        public Record record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers,
                             long expiresAt) {
            return new Record(timestamp, key, value, headers, expiresAt);
        }
    };

    /** Attribute bits a segment file may hold: the wire's plus {@link StoredRecordLayout#ATTR_ENCRYPTED}. */
    public static final int KNOWN_ATTRIBUTES = StoredRecordLayout.KNOWN_ATTRIBUTES | StoredRecordLayout.ATTR_ENCRYPTED;

    private RecordCodec() {}

    /** How storage builds its records while the layout decodes them (no intermediate objects). */
    public static RecordFactory<StoredRecord, Header> storedRecords() {
        return STORED;
    }

    /** Stored records decoded as records to append (their offsets dropped). */
    public static RecordFactory<Record, Header> records() {
        return RECORDS;
    }

    /** Encoded size of a record (4 + length). */
    public static int sizeOf(Record record) {
        return StoredRecordLayout.sizeOf(record.key(), record.value(), record.headers(), Header::key, Header::value,
                record.expiresAt());
    }

    /** Encoded size of a record whose value is sealed: {@link #sizeOf} plus the cipher's envelope. */
    public static int sealedSizeOf(Record record) {
        long size = (long) sizeOf(record) + StoredRecordLayout.ENCRYPTED_VALUE_OVERHEAD;
        if (size > StoredRecordLayout.MAX_RECORD_SIZE) {
            throw new IllegalArgumentException("a record encrypts to " + size + " bytes, max "
                    + StoredRecordLayout.MAX_RECORD_SIZE);
        }
        return (int) size;
    }

    /** Checks the record at {@code start} as {@link StoredRecordLayout#validate} does, accepting sealed values. */
    public static String validate(ByteBuffer buf, int start, CRC32C crc) {
        return StoredRecordLayout.validate(buf, start, crc, KNOWN_ATTRIBUTES);
    }

    /**
     * Writes one record at the buffer's position (which advances by {@link #sizeOf}); {@code crc} is scratch state.
     */
    public static void encode(Record record, long offset, ByteBuffer dst, CRC32C crc) {
        StoredRecordLayout.encode(dst, crc, offset, record.timestamp(), record.key(), record.value(),
                record.headers(), Header::key, Header::value, record.expiresAt());
    }

    /** As {@link #encode} with the value sealed by {@code sealer} (advances by {@link #sealedSizeOf}). */
    public static void encodeSealed(Record record, long offset, ByteBuffer dst, CRC32C crc, ValueCipher.Sealer sealer) {
        byte[] sealed = sealer.seal(record.value(), offset, record.timestamp(), record.key());
        StoredRecordLayout.encode(dst, crc, StoredRecordLayout.ATTR_ENCRYPTED, offset, record.timestamp(),
                record.key(), sealed, record.headers(), Header::key, Header::value, record.expiresAt());
    }

    /** Writes a decoded (plain) record back in the layout, its offset and expiry kept. */
    public static void encodePlain(StoredRecord record, ByteBuffer dst, CRC32C crc) {
        StoredRecordLayout.encode(dst, crc, record.offset(), record.timestamp(), record.key(), record.value(),
                record.headers(), Header::key, Header::value, record.expiresAt());
    }

    /** Decodes a plain record already checked by {@link #validate}. */
    public static StoredRecord decode(ByteBuffer buf, int start) {
        return decode(buf, start, null, "the stored records");
    }

    /**
     * Decodes a record already checked by {@link #validate}, opening a sealed value with {@code opener}.
     *
     * @param log names the log in error messages
     * @throws EncryptionException when the value is sealed and there is no opener, or it does not open
     */
    public static StoredRecord decode(ByteBuffer buf, int start, ValueCipher.Opener opener, String log) {
        StoredRecord r = StoredRecordLayout.decode(buf, start, STORED);
        if ((StoredRecordLayout.attributesAt(buf, start) & StoredRecordLayout.ATTR_ENCRYPTED) == 0) {
            return r;
        }
        if (opener == null) {
            throw new EncryptionException("offset " + r.offset() + " of " + log
                    + " is encrypted at rest and no encryption key is configured");
        }
        return new StoredRecord(r.offset(), r.timestamp(), r.key(),
                opener.open(r.value(), r.offset(), r.timestamp(), r.key()), r.headers(), r.expiresAt());
    }
}
