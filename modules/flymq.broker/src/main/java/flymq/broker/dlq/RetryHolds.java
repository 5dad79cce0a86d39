package flymq.broker.dlq;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The retry holds of the consumer groups (docs/dlq.md, "Retry delay"): after a group reported a record of a
 * partition failed with retries left, that group gets no records of that partition before the hold's not-before
 * time, whichever member, connection or node asks ({@link RetryGate}). One hold per (group, topic, partition): the
 * latest failure's record, until the latest not-before time. Kafka's blocking retry pauses the whole partition the same way, which keeps the partition's
 * order: the failed record comes again first, then the ones after it.
 *
 * <p>Where the holds are kept: on a single node {@link RetryHoldFile} ({@code <data_dir>/dlq/retry-holds}), in a
 * cluster the metadata Raft group (command 15 RETRY_HOLD, snapshot section 15), so every node enforces them and they
 * survive restarts and failover. This class is the table both fill, and the binary form both write
 * ({@link #encode}): {@code i32 n · n × (utf group · utf topic · i32 partition · i64 offset · i32 failures ·
 * i64 not_before_ms)}, big-endian, strings as {@link DataOutputStream#writeUTF}.
 *
 * <p>Memory: one small entry per (group, topic, partition) whose hold has not ended; a hold ends at its not-before
 * time (removed by the next change or read that sees it ended) or when its record is dead-lettered (released), so at
 * most groups × partitions entries, in practice the groups that failed a record within the last
 * {@code dlq.retry_delay}. Nothing is kept per failed record.
 */
public final class RetryHolds {

    /** One group's hold of one partition; {@code notBeforeMs} 0 (in a change) releases it. */
    public record Hold(String group, String topic, int partition, long offset, int failures, long notBeforeMs) {
        Key key() {
            return new Key(group, topic, partition);
        }

        /** One hold's binary form (class comment), in the snapshot and in the metadata command alike. */
        public void writeTo(DataOutput out) throws IOException {
            out.writeUTF(group);
            out.writeUTF(topic);
            out.writeInt(partition);
            out.writeLong(offset);
            out.writeInt(failures);
            out.writeLong(notBeforeMs);
        }

        /** Reads {@link #writeTo}'s form. */
        public static Hold readFrom(DataInput in) throws IOException {
            return new Hold(in.readUTF(), in.readUTF(), in.readInt(), in.readLong(), in.readInt(), in.readLong());
        }
    }

    private record Key(String group, String topic, int partition) {
    }

    private final Map<Key, Hold> holds = new ConcurrentHashMap<>();
    private final InstantSource clock;

    /** @param clock the node's wall clock, against which not-before times are compared */
    public RetryHolds(InstantSource clock) {
        this.clock = clock;
    }

    /**
     * Applies a change. A hold becomes the group's hold of that partition, ending at the later of its own and the
     * current hold's not-before time (two records failed one after the other: the partition waits for both). A
     * release ({@code notBeforeMs} 0: the record was dead-lettered) removes the hold only if that record took it
     * last, so it never cuts short the wait of a later failure. Holds that have ended are dropped meanwhile: they
     * answer nothing, so nodes that drop them at different moments still answer every read alike.
     */
    public void apply(Hold change) {
        if (change.notBeforeMs() <= 0) {
            holds.computeIfPresent(change.key(), (k, h) -> h.offset() == change.offset() ? null : h);
        } else {
            holds.merge(change.key(), change, (old, h) -> old.notBeforeMs() <= h.notBeforeMs() ? h
                    : new Hold(h.group(), h.topic(), h.partition(), h.offset(), h.failures(), old.notBeforeMs()));
        }
        sweep();
    }

    /** Replaces every hold (a snapshot installed, a file loaded). */
    public void replace(List<Hold> all) {
        holds.clear();
        for (Hold h : all) {
            if (h.notBeforeMs() > 0) {
                holds.put(h.key(), h);
            }
        }
        sweep();
    }

    /** Whether no group holds any partition (the read paths' fast way out). */
    public boolean isEmpty() {
        return holds.isEmpty();
    }

    /**
     * The hold of {@code group} on {@code topic}/{@code partition} that has not ended yet, or null; a hold that has
     * ended is dropped here.
     */
    public Hold active(String group, String topic, int partition) {
        long nowMs = clock.millis();
        Key k = new Key(group, topic, partition);
        Hold h = holds.get(k);
        if (h == null) {
            return null;
        }
        if (h.notBeforeMs() <= nowMs) {
            holds.remove(k, h);
            return null;
        }
        return h;
    }

    /** Drops the holds that have ended. */
    public void sweep() {
        long nowMs = clock.millis();
        holds.values().removeIf(h -> h.notBeforeMs() <= nowMs);
    }

    /** Every hold, ordered by group, topic, partition. */
    public List<Hold> all() {
        List<Hold> out = new ArrayList<>(holds.values());
        out.sort(Comparator.comparing(Hold::group).thenComparing(Hold::topic).thenComparingInt(Hold::partition));
        return out;
    }

    /** The binary form of every hold (class comment). */
    public byte[] encode() {
        List<Hold> all = all();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + all.size() * 48);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(all.size());
            for (Hold h : all) {
                h.writeTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads {@link #encode}'s form from {@code bytes[from..]}; {@code what} names the source in an error. */
    public static List<Hold> decode(byte[] bytes, int from, String what) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, from, bytes.length - from));
        try {
            int n = in.readInt();
            // the smallest entry is 2 + 2 + 4 + 8 + 4 + 8 bytes
            if (n < 0 || (long) n * 28 > bytes.length - from) {
                throw new IOException("count " + n + " impossible in " + (bytes.length - from) + " bytes");
            }
            List<Hold> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(Hold.readFrom(in));
            }
            if (in.available() > 0) {
                throw new IOException(in.available() + " trailing bytes");
            }
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException(what + ": damaged retry holds (" + (bytes.length - from) + " bytes): "
                    + e.getMessage(), e);
        }
    }
}
