package flymq.storage;

import java.util.List;

/**
 * The append-only log of one partition: offsets are assigned contiguously from 0, records are kept until retention
 * deletes the whole segment holding them (by age, by size, or when every record in it has expired, oldest segments
 * first). Thread-safe: appends are serialised, reads take no lock and never wait for
 * an append. Obtain instances from {@link LogStore}.
 */
public interface PartitionLog extends AutoCloseable {

    String topic();

    int partition();

    /**
     * Appends the batch with one write; returns the offset given to its first record (offsets contiguous from 0).
     * When it returns, the batch is as durable as the {@link SyncPolicy} says (EVERY_BATCH: fsynced). Thread-safe.
     *
     * @throws IllegalArgumentException if the batch is empty or larger than 1 GiB encoded
     * @throws StorageException         on an I/O failure (the message names the file)
     */
    long append(List<Record> batch);

    /**
     * Appends {@code count} records that are already in the stored layout ({@link
     * flymq.protocol.record.StoredRecordLayout}), the remaining bytes of {@code records}, back to back: each gets
     * its offset (contiguous from the log's end, as {@link #append} gives them) and its CRC here; the offset and CRC
     * they carry are overwritten, and nothing else of them changes. A replica stores a replicated batch this way with
     * one copy, without decoding it into records. Otherwise as {@link #append}; {@code records} is not changed.
     *
     * @throws IllegalArgumentException if the bytes are not exactly {@code count} (>= 1) well-formed records with no
     *                                  attribute bits but the wire's
     */
    long appendStored(java.nio.ByteBuffer records, int count);

    /**
     * Records from {@code offset} on, at most maxRecords and about maxBytes (always at least one record if one exists
     * at offset). offset == endOffset() -> empty list. offset < startOffset() or > endOffset() ->
     * {@link OffsetOutOfRangeException}. Never blocks the writer.
     *
     * @throws CorruptRecordException if the record at {@code offset} fails its CRC check (records before a corrupt
     *                                record are returned, nothing at or after it)
     */
    List<StoredRecord> read(long offset, int maxRecords, int maxBytes);

    /**
     * Zero-copy view of stored record bytes from {@code offset}, at most maxBytes (at least one whole record if one
     * exists). Same range errors as {@link #read}. An offset equal to endOffset() gives an empty slice.
     */
    LogSlice slice(long offset, int maxBytes);

    /** First retained offset. */
    long startOffset();

    /** Next offset to be assigned (0 for an empty log). */
    long endOffset();

    /**
     * How many records of {@code [fromOffset, toOffset)} carry an expiry (TTL) that has passed at {@code nowMs}
     * (lag leaves them out). Offsets outside the retained log count nothing. Segments without expiring records cost
     * nothing; a segment whose records are all expired costs nothing once its expiries are known; otherwise the
     * record headers of the range are read.
     */
    long countExpired(long fromOffset, long toOffset, long nowMs);

    /** First offset whose record timestamp >= timestampMs; endOffset() if none. */
    long offsetForTimestamp(long timestampMs);

    /** Bytes of all retained segment .log files. */
    long sizeInBytes();

    int segmentCount();

    /** Forces everything appended so far to the disk. */
    void flush();

    /** Flushes, writes the recovery checkpoint and releases files. Further calls fail with StorageException. */
    @Override
    void close();
}
