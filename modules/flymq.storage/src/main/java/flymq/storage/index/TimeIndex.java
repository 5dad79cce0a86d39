package flymq.storage.index;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * The time index of one segment: file {@code <20-digit base offset>.timeindex}, used to seek by timestamp.
 *
 * <h2>File format</h2>
 * A run of 12-byte entries, no header, big-endian:
 * <pre>
 *   int64 timestamp        the greatest record timestamp in the segment up to and including that offset
 *   int32 relativeOffset   record offset - segment base offset
 * </pre>
 * Both fields strictly increase from entry to entry; an entry (T, O) promises that every record at or before O has a
 * timestamp <= T, so a search for the first record with timestamp >= t may start after the greatest entry with
 * T &lt; t. Entries are added alongside {@link OffsetIndex} entries when the greatest timestamp has grown, and once
 * more when the segment rolls or closes, so the last entry of a closed segment holds its greatest timestamp.
 *
 * <p>Preallocation, trimming and the handling of damage are as for {@link OffsetIndex}: the entry count is the
 * longest prefix that obeys the rules (an all-zero first entry counts as empty), and {@code LogLoader} rebuilds what
 * follows the recovery point from the .log. Entries that obey the rules can still be wrong (in order but at the
 * wrong offsets, or with too small timestamps, which would make a seek skip records and time retention delete a
 * segment early), so after recovery {@code LogSegment.timeIndexProblem} checks the index against the offset index
 * and a few records, and the segment rebuilds it on a mismatch; every seek also checks the entry it starts from.
 */
public final class TimeIndex extends SegmentIndex {

    public static final int ENTRY_SIZE = 12;

    private TimeIndex(MappedEntries entries, long baseOffset) {
        super(entries, baseOffset);
    }

    /**
     * Opens or creates the time index, keeping the valid prefix of its entries.
     *
     * @param recordCount     records in the segment's .log as far as known (entries beyond it are dropped);
     *                        Long.MAX_VALUE when unknown
     * @param capacityEntries slots to map up front
     */
    public static TimeIndex open(Path file, long baseOffset, long recordCount, int capacityEntries) {
        MappedEntries e = new MappedEntries(file, ENTRY_SIZE, capacityEntries);
        MappedByteBuffer buf = e.buffer();
        int valid = 0;
        long prevTs = Long.MIN_VALUE;
        int prevRel = -1;
        for (int i = 0, n = e.slots(); i < n; i++) {
            long ts = buf.getLong(i * ENTRY_SIZE);
            int rel = buf.getInt(i * ENTRY_SIZE + 8);
            boolean zero = ts == 0 && rel == 0;
            if ((i == 0 && zero) || ts <= prevTs || rel <= prevRel || rel >= recordCount) {
                break;
            }
            prevTs = ts;
            prevRel = rel;
            valid++;
        }
        e.setEntries(valid);
        return new TimeIndex(e, baseOffset);
    }

    public long timestampAt(int i) {
        return entries.buffer().getLong(i * ENTRY_SIZE);
    }

    public long offsetAt(int i) {
        return baseOffset + entries.buffer().getInt(i * ENTRY_SIZE + 8);
    }

    /** Greatest timestamp recorded, or Long.MIN_VALUE if empty. */
    public long lastTimestamp() {
        int n = entries.entries();
        return n == 0 ? Long.MIN_VALUE : timestampAt(n - 1);
    }

    /** Offset after which the first record with timestamp >= {@code timestamp} must lie: a safe scan start. */
    public long scanStartFor(long timestamp) {
        int found = floorEntryBefore(timestamp);
        return found < 0 ? baseOffset : offsetAt(found) + 1;
    }

    /** Index of the greatest entry whose timestamp is &lt; {@code timestamp}, or -1 if there is none. */
    public int floorEntryBefore(long timestamp) {
        return lastEntryWhere((buf, i) -> buf.getLong(i * ENTRY_SIZE) < timestamp);
    }

    /** Records that the greatest timestamp up to {@code offset} is {@code timestamp}, if that adds information. */
    public void maybeAppend(long timestamp, long offset) {
        int n = entries.entries();
        if (n > 0 && (timestamp <= timestampAt(n - 1) || offset <= offsetAt(n - 1))) {
            return;
        }
        if (n == 0 && timestamp == 0 && offset == baseOffset) {
            return; // indistinguishable from an empty slot; losing it only lengthens a scan
        }
        MappedByteBuffer buf = entries.bufferForAppend();
        buf.putLong(n * ENTRY_SIZE, timestamp);
        buf.putInt(n * ENTRY_SIZE + 8, Math.toIntExact(offset - baseOffset));
        entries.setEntries(n + 1);
    }

    /** Keeps only entries whose offset is <= {@code offset} (writer only). */
    public void truncateAfter(long offset) {
        int n = entries.entries();
        while (n > 0 && offsetAt(n - 1) > offset) {
            n--;
        }
        entries.setEntries(n);
    }
}
