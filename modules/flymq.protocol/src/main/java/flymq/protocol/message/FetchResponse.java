package flymq.protocol.message;

import flymq.protocol.FrameCodec;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * FETCH 0x07 / FETCH_BINARY 0x0B response (wire spec 4.6): {@code u32 count · u64 next_offset · count ×
 * (u64 offset · bytes32 key · bytes32 value)}; {@code next_offset} is the first offset not examined. A broker
 * writes it while it reads the log, with {@link #begin}: the count and next offset are filled in at the end.
 */
public record FetchResponse(long nextOffset, List<Entry> records) implements WireMessage {
    /** Bytes a record takes besides its key and value. */
    public static final int RECORD_OVERHEAD = 8 + 4 + 4;

    public FetchResponse {
        records = List.copyOf(records);
    }

    /** One record; a record without key has an empty key. */
    public record Entry(long offset, byte[] key, byte[] value) {
    }

    public static FetchResponse read(PayloadReader in) {
        int n = in.count("record count", 16);
        long next = in.u64("next_offset");
        List<Entry> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            records.add(new Entry(in.u64("offset"), in.bytes32("key"), in.bytes32("value")));
        }
        return new FetchResponse(next, records);
    }

    @Override
    public void write(PayloadWriter out) {
        Writer w = begin(out);
        for (Entry e : records) {
            if (!w.add(e.offset(), e.key(), e.value())) {
                throw new IllegalArgumentException("FETCH response of " + records.size() + " records exceeds "
                        + FrameCodec.MAX_PAYLOAD + " bytes");
            }
        }
        w.finish(nextOffset);
    }

    /** Starts a response in {@code out}; records are added one by one, without building a list. */
    public static Writer begin(PayloadWriter out) {
        return new Writer(out);
    }

    /** Writes a response as records come; {@link #finish} must be called once, last. */
    public static final class Writer {
        private final PayloadWriter out;
        private final int countAt;
        private int count;

        private Writer(PayloadWriter out) {
            this.out = out;
            this.countAt = out.size();
            out.u32(0).u64(0);
        }

        /** Appends a record unless it would take the payload over the frame limit (then returns false). */
        public boolean add(long offset, byte[] key, byte[] value) {
            long size = (long) RECORD_OVERHEAD + (key == null ? 0 : key.length) + value.length;
            if (out.size() + size > FrameCodec.MAX_PAYLOAD) {
                return false;
            }
            out.u64(offset).bytes32(key).bytes32(value);
            count++;
            return true;
        }

        public int count() {
            return count;
        }

        /** Fills in the count and {@code next_offset}. */
        public void finish(long nextOffset) {
            out.patchI32(countAt, count);
            out.patchI64(countAt + 4, nextOffset);
        }
    }
}
