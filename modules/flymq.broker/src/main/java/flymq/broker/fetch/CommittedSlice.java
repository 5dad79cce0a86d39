package flymq.broker.fetch;

import flymq.broker.txn.PartitionView;
import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.LogSlice;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The read-committed part of a {@link LogSlice}, for BATCH_FETCH when the slice reaches past the partition's last
 * stable offset or overlaps an aborted transaction (otherwise the slice is sent from its file untouched). The slice
 * is copied into the heap once and its records are kept, as stored, when they lie below the bound and are not of an
 * aborted transaction; transaction markers are kept (every reader skips them by their attributes, and they move the
 * reader's position).
 *
 * <p>When records were dropped after the last record kept, a reader would not know it may move past them and would
 * ask for them again: a synthetic control record ({@link StoredRecordLayout#CONTROL}, the offset of the last dropped
 * record, no transaction id, an empty value) closes the answer, so the reader's next fetch starts after it. It
 * exists only in that answer, never in a log.
 */
final class CommittedSlice implements LogSlice {
    private final byte[] bytes;
    private final long firstOffset;
    private final long nextOffset;
    private final int recordCount;

    private CommittedSlice(byte[] bytes, long firstOffset, long nextOffset, int recordCount) {
        this.bytes = bytes;
        this.firstOffset = firstOffset;
        this.nextOffset = nextOffset;
        this.recordCount = recordCount;
    }

    /** Whether {@code slice} needs filtering for a read-committed reader. */
    static boolean needed(LogSlice slice, PartitionView view, long bound) {
        return slice.recordCount() > 0
                && (slice.nextOffset() > bound || view.abortedWithin(slice.firstOffset(), slice.nextOffset()));
    }

    /** The records of {@code slice} a read-committed reader gets, reading below {@code bound}. */
    static LogSlice of(LogSlice slice, PartitionView view, long bound) {
        if (slice.firstOffset() >= bound) {
            // a reader waiting at the last stable offset: nothing to copy
            return new CommittedSlice(new byte[0], slice.firstOffset(), slice.firstOffset(), 0);
        }
        ByteArrayOutputStream copy = new ByteArrayOutputStream((int) slice.sizeInBytes());
        try {
            slice.transferTo(Channels.newChannel(copy));
        } catch (IOException e) {
            throw new UncheckedIOException("reading stored records from offset " + slice.firstOffset() + ": "
                    + e.getMessage(), e);
        }
        byte[] in = copy.toByteArray();
        ByteBuffer buf = ByteBuffer.wrap(in);
        ByteBuffer out = ByteBuffer.allocate(in.length + StoredRecordLayout.MIN_RECORD_SIZE + 64);
        int kept = 0;
        long lastKept = -1;
        long lastDropped = -1;
        long first = -1;
        int pos = 0;
        while (in.length - pos >= StoredRecordLayout.LENGTH_SIZE) {
            int size = StoredRecordLayout.sizeAt(buf, pos);
            if (size < StoredRecordLayout.MIN_RECORD_SIZE || size > in.length - pos) {
                break; // the reader checks every record's CRC and lengths; a torn one is not ours to judge here
            }
            long offset = StoredRecordLayout.offsetAt(buf, pos);
            if (offset >= bound) {
                break;
            }
            if ((StoredRecordLayout.attributesAt(buf, pos) & StoredRecordLayout.CONTROL) == 0
                    && view.hidden(buf, pos)) {
                lastDropped = offset;
            } else {
                out.put(in, pos, size);
                kept++;
                lastKept = offset;
                first = first < 0 ? offset : first;
            }
            pos += size;
        }
        if (lastDropped > lastKept) {
            StoredRecordLayout.encode(out, new CRC32C(), lastDropped, System.currentTimeMillis(), null, new byte[0],
                    List.of(StoredRecordLayout.TXN_MARKER_HEADER), h -> h,
                    h -> new byte[] {(byte) StoredRecordLayout.MARKER_ABORT});
            kept++;
            lastKept = lastDropped;
            first = first < 0 ? lastDropped : first;
        }
        byte[] result = new byte[out.position()];
        out.flip().get(result);
        return new CommittedSlice(result, first < 0 ? slice.firstOffset() : first,
                lastKept < 0 ? slice.firstOffset() : lastKept + 1, kept);
    }

    @Override
    public long firstOffset() {
        return firstOffset;
    }

    @Override
    public long nextOffset() {
        return nextOffset;
    }

    @Override
    public int recordCount() {
        return recordCount;
    }

    @Override
    public long sizeInBytes() {
        return bytes.length;
    }

    @Override
    public long transferTo(WritableByteChannel target) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            target.write(b);
        }
        return bytes.length;
    }
}
