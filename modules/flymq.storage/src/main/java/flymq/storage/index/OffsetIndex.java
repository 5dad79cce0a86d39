package flymq.storage.index;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * The sparse offset index of one segment: file {@code <20-digit base offset>.index}.
 *
 * <h2>File format</h2>
 * A run of 8-byte entries, no header, big-endian:
 * <pre>
 *   int32 relativeOffset   record offset - segment base offset   (> 0, strictly increasing)
 *   int32 position         byte position of that record in the segment's .log (> 0, strictly increasing)
 * </pre>
 * An entry is added for the first record that starts at least {@link #INTERVAL_BYTES} after the previously indexed
 * record (the record at position 0 needs no entry: a lookup below the first entry answers (base, 0)). A lookup is a
 * binary search for the greatest entry at or below the wanted offset, followed by a short forward walk in the .log.
 *
 * <p>While its segment is active the file is preallocated (zero-filled after the last entry) and memory-mapped; when
 * the segment rolls or the log closes it is cut to exactly {@code entries * 8} bytes. The file is not checksummed: on
 * open the entry count is the longest prefix of entries that obey the rules above and point inside the .log, so
 * trailing zeros and torn entries are dropped. Entries at or after the recovery point are re-derived from the .log by
 * {@code LogLoader}; an entry that passes these checks but disagrees with the .log (the record at its position does
 * not carry its offset) is caught when a read follows it, and the segment then rebuilds the index from the .log.
 */
public final class OffsetIndex extends SegmentIndex {

    public static final int ENTRY_SIZE = 8;
    /** Bytes of .log between index entries: bounds the forward walk after a lookup. */
    public static final int INTERVAL_BYTES = 4096;

    private OffsetIndex(MappedEntries entries, long baseOffset) {
        super(entries, baseOffset);
    }

    /**
     * Opens or creates the index, keeping the valid prefix of its entries.
     *
     * @param logSize         current size of the segment's .log: entries pointing at or past it are dropped
     * @param capacityEntries slots to map up front (the active segment preallocates; a closed one passes 0)
     */
    public static OffsetIndex open(Path file, long baseOffset, long logSize, int capacityEntries) {
        MappedEntries e = new MappedEntries(file, ENTRY_SIZE, capacityEntries);
        MappedByteBuffer buf = e.buffer();
        int valid = 0;
        int prevRel = 0;
        int prevPos = 0;
        for (int i = 0, n = e.slots(); i < n; i++) {
            int rel = buf.getInt(i * ENTRY_SIZE);
            int pos = buf.getInt(i * ENTRY_SIZE + 4);
            if (rel <= prevRel || pos <= prevPos || pos >= logSize) {
                break;
            }
            prevRel = rel;
            prevPos = pos;
            valid++;
        }
        e.setEntries(valid);
        return new OffsetIndex(e, baseOffset);
    }

    public long offsetAt(int i) {
        return baseOffset + entries.buffer().getInt(i * ENTRY_SIZE);
    }

    public int positionAt(int i) {
        return entries.buffer().getInt(i * ENTRY_SIZE + 4);
    }

    /** Index of the greatest entry whose offset is <= {@code offset}, or -1 if there is none. */
    public int floorEntryForOffset(long offset) {
        long rel = offset - baseOffset;
        return lastEntryWhere((buf, i) -> buf.getInt(i * ENTRY_SIZE) <= rel);
    }

    /** Index of the greatest entry whose position is <= {@code position}, or -1 if there is none. */
    public int floorEntryForPosition(long position) {
        return lastEntryWhere((buf, i) -> buf.getInt(i * ENTRY_SIZE + 4) <= position);
    }

    /** Adds an entry (writer only); offset and position must exceed the last entry's. */
    public void append(long offset, int position) {
        int n = entries.entries();
        if (n > 0 && (offset <= offsetAt(n - 1) || position <= positionAt(n - 1))) {
            throw new IllegalStateException("index " + file() + ": entry (" + offset + ", " + position
                    + ") does not follow (" + offsetAt(n - 1) + ", " + positionAt(n - 1) + ")");
        }
        MappedByteBuffer buf = entries.bufferForAppend();
        buf.putInt(n * ENTRY_SIZE, Math.toIntExact(offset - baseOffset));
        buf.putInt(n * ENTRY_SIZE + 4, position);
        entries.setEntries(n + 1);
    }

    /** Keeps only entries whose offset is <= {@code offset} (writer only). */
    public void truncateAfter(long offset) {
        entries.setEntries(floorEntryForOffset(offset) + 1);
    }
}
