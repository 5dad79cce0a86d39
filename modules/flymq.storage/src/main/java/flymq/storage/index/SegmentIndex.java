package flymq.storage.index;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * What {@link OffsetIndex} and {@link TimeIndex} share: a {@link MappedEntries} file of one segment, the lifecycle
 * calls on it, and the binary search over its entries. Each subclass owns its file format and the rules its entries
 * obey; this class knows neither.
 */
abstract sealed class SegmentIndex permits OffsetIndex, TimeIndex {

    /** A test of entry {@code i} read from {@code buf}; must hold for a prefix of the entries and fail after it. */
    @FunctionalInterface
    interface EntryTest {
        boolean holds(MappedByteBuffer buf, int i);
    }

    final MappedEntries entries;
    final long baseOffset;

    SegmentIndex(MappedEntries entries, long baseOffset) {
        this.entries = entries;
        this.baseOffset = baseOffset;
    }

    /** Index of the last entry for which {@code test} holds, or -1 if it holds for none (lock-free for readers). */
    final int lastEntryWhere(EntryTest test) {
        int n = entries.entries(); // the count first, then the mapping: it holds every counted entry
        MappedByteBuffer buf = entries.buffer();
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (test.holds(buf, mid)) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    public Path file() {
        return entries.file();
    }

    public int entries() {
        return entries.entries();
    }

    /** Drops every entry (writer only). */
    public void clear() {
        entries.setEntries(0);
    }

    /** Cuts the file to exactly its entries (a rolled or closed segment). */
    public void trim() {
        entries.trim();
    }

    public void force() {
        entries.force();
    }

    public void delete() {
        entries.delete();
    }
}
