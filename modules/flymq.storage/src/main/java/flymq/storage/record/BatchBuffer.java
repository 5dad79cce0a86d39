package flymq.storage.record;

import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.Record;
import flymq.storage.ValueCipher;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reusable encoding buffer for one append: the batch's records in {@link RecordCodec} format, back to back, plus
 * where each record starts. Owned by one writer at a time (the log's append lock), so an append allocates nothing
 * per record once the buffer has grown to the working size.
 */
public final class BatchBuffer {

    private static final int MAX_BATCH_BYTES = 1 << 30;
    private static final int FIRST_BYTES = 64 * 1024;
    private static final int FIRST_RECORDS = 1024;

    private final CRC32C crc = new CRC32C();
    // Allocated at the first append, not with the log: a node holding thousands of partitions that are never (or
    // not yet) written would otherwise hold 64 KiB of direct memory for each (192 MiB for 3,000).
    private ByteBuffer buffer = ByteBuffer.allocateDirect(0);
    private int[] positions = new int[0];
    private int count;
    private long maxTimestamp;
    private ExpiryStats expiry = ExpiryStats.NONE;

    /** Encodes the batch with offsets from {@code firstOffset}; afterwards {@link #buffer()} is ready to write. */
    public void encode(List<Record> batch, long firstOffset) {
        encode(batch, firstOffset, null);
    }

    /** As {@link #encode(List, long)}, sealing every value with {@code sealer} when not null. */
    public void encode(List<Record> batch, long firstOffset, ValueCipher.Sealer sealer) {
        int n = batch.size();
        long total = 0;
        for (int i = 0; i < n; i++) {
            total += sealer == null ? RecordCodec.sizeOf(batch.get(i)) : RecordCodec.sealedSizeOf(batch.get(i));
        }
        ensure(total, n);
        buffer.clear();
        long max = Long.MIN_VALUE;
        ExpiryStats expiring = ExpiryStats.NONE;
        for (int i = 0; i < n; i++) {
            Record r = batch.get(i);
            positions[i] = buffer.position();
            if (sealer == null) {
                RecordCodec.encode(r, firstOffset + i, buffer, crc);
            } else {
                RecordCodec.encodeSealed(r, firstOffset + i, buffer, crc, sealer);
            }
            max = Math.max(max, r.timestamp());
            expiring = expiring.plus(r.expiresAt());
        }
        buffer.flip();
        count = n;
        maxTimestamp = max;
        expiry = expiring;
    }

    /**
     * Takes {@code n} records already in the stored layout, the remaining bytes of {@code records}, giving them
     * offsets from {@code firstOffset} and the CRCs that go with them (the offsets and CRCs they carry are
     * overwritten): one copy instead of a decode and an encode. Values are taken as they are, never sealed.
     *
     * @throws IllegalArgumentException when the bytes are not exactly {@code n} well-formed records
     */
    public void copyStored(ByteBuffer records, int n, long firstOffset) {
        int total = records.remaining();
        ensure(total, n);
        buffer.clear();
        buffer.put(records.duplicate());
        buffer.flip();
        long max = Long.MIN_VALUE;
        ExpiryStats expiring = ExpiryStats.NONE;
        int p = 0;
        for (int i = 0; i < n; i++) {
            int size = checkedSize(buffer, p, i, n);
            positions[i] = p;
            StoredRecordLayout.seal(buffer, p, firstOffset + i, crc);
            max = Math.max(max, buffer.getLong(p + StoredRecordLayout.TIMESTAMP_POS));
            expiring = expiring.plus(StoredRecordLayout.expiresAtOf(buffer, p));
            p += size;
        }
        requireEnd(buffer, p, n);
        count = n;
        maxTimestamp = max;
        expiry = expiring;
    }

    /**
     * The size of record {@code i} of a stored batch of {@code n} that starts at {@code p} of {@code buf} (up to its
     * limit), after {@link StoredRecordLayout#checkShape} found it well-formed.
     *
     * @throws IllegalArgumentException naming the record and what is wrong with it
     */
    public static int checkedSize(ByteBuffer buf, int p, int i, int n) {
        if (p + StoredRecordLayout.LENGTH_SIZE > buf.limit()) {
            throw new IllegalArgumentException("a stored batch of " + n + " records ends after " + i);
        }
        String why = StoredRecordLayout.checkShape(buf, p, StoredRecordLayout.KNOWN_ATTRIBUTES);
        if (why != null) {
            throw new IllegalArgumentException("record " + i + " of a stored batch: " + why);
        }
        return StoredRecordLayout.LENGTH_SIZE + buf.getInt(p);
    }

    /** Refuses bytes after the {@code n} records of a stored batch, which end at {@code p}. */
    public static void requireEnd(ByteBuffer buf, int p, int n) {
        if (p != buf.limit()) {
            throw new IllegalArgumentException((buf.limit() - p) + " bytes after the " + n
                    + " records of a stored batch");
        }
    }

    private void ensure(long total, int n) {
        if (total > MAX_BATCH_BYTES) {
            throw new IllegalArgumentException("batch of " + n + " records encodes to " + total + " bytes, max "
                    + MAX_BATCH_BYTES);
        }
        if (buffer.capacity() < total) {
            buffer = ByteBuffer.allocateDirect((int) Math.min(MAX_BATCH_BYTES,
                    Math.max(total, Math.max(FIRST_BYTES, 2L * buffer.capacity()))));
        }
        if (positions.length < n) {
            positions = new int[Math.max(n, Math.max(FIRST_RECORDS, positions.length * 2))];
        }
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int count() {
        return count;
    }

    public int sizeInBytes() {
        return buffer.limit();
    }

    /** Start of record {@code i} relative to the start of the batch. */
    public int position(int i) {
        return positions[i];
    }

    public long timestamp(int i) {
        return buffer.getLong(positions[i] + StoredRecordLayout.TIMESTAMP_POS);
    }

    public long maxTimestamp() {
        return maxTimestamp;
    }

    /** The expiries of the batch's records. */
    public ExpiryStats expiry() {
        return expiry;
    }
}
