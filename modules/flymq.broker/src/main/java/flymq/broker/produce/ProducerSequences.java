package flymq.broker.produce;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One partition's memory of the idempotent producers' recent batches, so that a batch sent again (after a lost
 * answer, a timeout or a leader failover) is appended once: Kafka's producer state, reduced to what a retry needs.
 *
 * <p>Per producer id it keeps the last {@value #BATCHES_PER_PRODUCER} appended batches (first sequence, record count,
 * base offset); a batch whose first sequence and count match one of them is a duplicate and gets that batch's base
 * offset as its answer. Any other batch is appended, even one with an older sequence: the producer retries a batch
 * that failed while later ones were in flight, and those later ones may have been appended first. A producer has at
 * most {@code maxInFlight} requests outstanding (5 by default), so a retry always falls within the window. At most
 * {@value #MAX_PRODUCERS} producers are remembered per partition; the one that appended longest ago is forgotten
 * first (its retries would be appended again, as without idempotence).
 *
 * <p>Deterministic: the state depends only on the sequence of {@link #appended} calls, so every replica of a
 * partition that applies the same Raft log holds the same table ({@link #write} / {@link #read} carry it in the
 * partition's Raft snapshot). Not thread-safe: a partition's Raft thread, or the caller's lock on a single node.
 *
 * <p>Snapshot layout (big-endian): {@code i32 producers · producers × (i64 producer_id · u16 batches · batches ×
 * (i32 first_sequence · i32 record_count · i64 base_offset))}, producers from least to most recently appended.
 */
public final class ProducerSequences {
    static final int BATCHES_PER_PRODUCER = 16;
    static final int MAX_PRODUCERS = 1024;

    private record Appended(int firstSequence, int count, long baseOffset) {
    }

    /** Insertion order = last append order: an append moves its producer to the end. */
    private final LinkedHashMap<Long, ArrayDeque<Appended>> producers = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, ArrayDeque<Appended>> eldest) {
            return size() > MAX_PRODUCERS;
        }
    };

    /** The base offset the batch got when it was appended before, or -1 when it is new. */
    public long duplicateOf(ProducerBatch batch, int count) {
        if (!batch.identified()) {
            return -1;
        }
        ArrayDeque<Appended> recent = producers.get(batch.producerId());
        if (recent == null) {
            return -1;
        }
        for (Appended a : recent) {
            if (a.firstSequence() == batch.firstSequence() && a.count() == count) {
                return a.baseOffset();
            }
        }
        return -1;
    }

    /** Remembers an appended batch (nothing for a batch without a producer). */
    public void appended(ProducerBatch batch, int count, long baseOffset) {
        if (!batch.identified()) {
            return;
        }
        ArrayDeque<Appended> recent = producers.remove(batch.producerId());
        if (recent == null) {
            recent = new ArrayDeque<>();
        }
        recent.addLast(new Appended(batch.firstSequence(), count, baseOffset));
        while (recent.size() > BATCHES_PER_PRODUCER) {
            recent.removeFirst();
        }
        producers.put(batch.producerId(), recent);
    }

    /** Producers remembered (tests, status). */
    public int producerCount() {
        return producers.size();
    }

    public boolean isEmpty() {
        return producers.isEmpty();
    }

    public void write(DataOutput out) throws IOException {
        out.writeInt(producers.size());
        for (Map.Entry<Long, ArrayDeque<Appended>> e : producers.entrySet()) {
            out.writeLong(e.getKey());
            out.writeShort(e.getValue().size());
            for (Appended a : e.getValue()) {
                out.writeInt(a.firstSequence());
                out.writeInt(a.count());
                out.writeLong(a.baseOffset());
            }
        }
    }

    /** Replaces this table by the one {@link #write} wrote. */
    public void read(DataInput in) throws IOException {
        producers.clear();
        int n = in.readInt();
        if (n < 0 || n > MAX_PRODUCERS) {
            throw new IOException("producer table of " + n + " producers (at most " + MAX_PRODUCERS + ")");
        }
        for (int i = 0; i < n; i++) {
            long id = in.readLong();
            int batches = in.readUnsignedShort();
            if (batches > BATCHES_PER_PRODUCER) {
                throw new IOException("producer " + id + " has " + batches + " batches (at most "
                        + BATCHES_PER_PRODUCER + ")");
            }
            ArrayDeque<Appended> recent = new ArrayDeque<>(batches);
            for (int b = 0; b < batches; b++) {
                recent.addLast(new Appended(in.readInt(), in.readInt(), in.readLong()));
            }
            producers.put(id, recent);
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("ProducerSequences[");
        Iterator<Long> it = producers.keySet().iterator();
        while (it.hasNext()) {
            long id = it.next();
            s.append(id).append('=').append(producers.get(id));
            if (it.hasNext()) {
                s.append(", ");
            }
        }
        return s.append(']').toString();
    }
}
