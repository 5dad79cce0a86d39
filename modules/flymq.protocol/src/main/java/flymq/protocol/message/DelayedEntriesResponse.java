package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * DELAYED_ENTRIES 0xCC response (cluster-internal): {@code bool retired · i32 count · count × (i32 seq · i64 due_ms ·
 * i64 scheduled_ms · bytes32 key (empty: no key) · bytes32 value) · i32 cancels · cancels × i32 seq}: the entries in
 * seq order from the asked {@code from_seq} (fewer than asked when the leader holds fewer, or more than 4 MiB), then
 * the asked cancels. {@code retired} (then nothing follows but two zero counts): the leader retired that minute (all of
 * it released or cancelled), so there is nothing to copy.
 */
public record DelayedEntriesResponse(boolean retired, List<Entry> entries, int[] cancels) implements WireMessage {

    /** One schedule entry. */
    public record Entry(int seq, long dueMs, long scheduledMs, byte[] key, byte[] value) {
    }

    public static DelayedEntriesResponse read(PayloadReader in) {
        boolean retired = in.bool("retired");
        int n = in.count("entries", 28);
        List<Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int seq = in.i32("seq");
            long due = in.i64("due_ms");
            long at = in.i64("scheduled_ms");
            entries.add(new Entry(seq, due, at, in.bytes32("key"), in.bytes32("value")));
        }
        int c = in.count("cancels", 4);
        int[] cancels = new int[c];
        for (int i = 0; i < c; i++) {
            cancels[i] = in.i32("cancel");
        }
        return new DelayedEntriesResponse(retired, List.copyOf(entries), cancels);
    }

    @Override
    public void write(PayloadWriter out) {
        out.bool(retired).i32(entries.size());
        for (Entry e : entries) {
            out.i32(e.seq()).i64(e.dueMs()).i64(e.scheduledMs());
            out.bytes32(e.key() == null ? new byte[0] : e.key()).bytes32(e.value());
        }
        out.i32(cancels.length);
        for (int seq : cancels) {
            out.i32(seq);
        }
    }

    @Override
    public int sizeHint() {
        int size = 9 + 4 * cancels.length;
        for (Entry e : entries) {
            size += 32 + (e.key() == null ? 0 : e.key().length) + e.value().length;
        }
        return size;
    }
}
