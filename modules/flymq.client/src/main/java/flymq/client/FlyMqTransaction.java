package flymq.client;

import flymq.protocol.Acks;
import java.util.List;
import java.util.Objects;

/**
 * A transaction begun with {@link FlyMqClient#beginTransaction()}: records produced through it, to any topics and
 * partitions, become visible to read-committed consumers together when {@link #commit()} returns, and never if it is
 * aborted ({@link #abort()}, {@link #close()} while open, or the broker's {@code transaction.timeout}). Use it from
 * one thread; it is bound to the broker that began it, not to a connection.
 *
 * <p>When a call's answer is lost (a {@link ConnectionException}, a timeout included, after the client's own retry)
 * or does not decode ({@link ProtocolException}), the broker may or may not have applied it, so the transaction can
 * only be aborted from then on, as Kafka's transactional producer after a failed send: {@link #commit()} and further
 * sends throw {@link IllegalStateException} naming the lost call; {@link #abort()} and {@link #close()} work. An
 * error the broker answered with ({@link FlyMqServerException}, a schema refusal for one) applied nothing and leaves
 * the transaction usable.
 *
 * <pre>{@code
 * try (FlyMqTransaction tx = client.beginTransaction()) {
 *     tx.send("orders", List.of(new PartitionRecords(-1, records)));
 *     tx.produce("audit", "order batch".getBytes());
 *     tx.commit();
 * } // closed without commit: aborted
 * }</pre>
 */
public final class FlyMqTransaction implements AutoCloseable {
    private final FlyMqClient client;
    private final String id;
    private boolean open = true;
    private long nextSequence;
    /** Why the transaction can only be aborted (a call whose outcome is unknown), or null. */
    private String mustAbort;

    FlyMqTransaction(FlyMqClient client, String id) {
        this.client = client;
        this.id = id;
    }

    /** The broker's transaction id ({@code txn-<n>}), as the official SDKs show it. */
    public String id() {
        return id;
    }

    public boolean isOpen() {
        return open;
    }

    /** PRODUCE_TX: one keyless record; the broker picks the partition. Returns where it was written. */
    public RecordMetadata produce(String topic, byte[] value) {
        requireUsable();
        try {
            return client.produceInTransaction(id, topic, value);
        } catch (ConnectionException | ProtocolException e) {
            throw lost("PRODUCE_TX to " + topic, e);
        }
    }

    /**
     * BATCH_PRODUCE_TX: record groups for partitions of {@code topic} in one request, with acks {@code all}.
     *
     * @return one result per group; a failed group ({@link PartitionAppend#error()} not empty) leaves the
     *         transaction open, so the caller decides whether to abort
     */
    public List<PartitionAppend> send(String topic, List<PartitionRecords> groups) {
        return send(topic, Acks.ALL, groups);
    }

    /**
     * As {@link #send(String, List)} with the given acks. Idempotent: each call is the transaction's next batch
     * (sequence 0, 1, ...); if its answer is lost (broken connection, timeout) the client sends it once more with the
     * same sequence and the broker appends it at most once.
     */
    public List<PartitionAppend> send(String topic, Acks acks, List<PartitionRecords> groups) {
        requireUsable();
        Objects.requireNonNull(acks, "acks");
        List<PartitionAppend> appended;
        try {
            appended = client.batchProduceInTransaction(id, nextSequence, topic, acks, groups);
        } catch (ConnectionException | ProtocolException e) {
            // the broker may hold this sequence's batch: a later batch sent with it would be taken for a retry and
            // answered with this one's offsets, its records never appended
            throw lost("BATCH_PRODUCE_TX " + nextSequence + " to " + topic, e);
        }
        nextSequence++;
        return appended;
    }

    /**
     * TXN_COMMIT_OFFSET: commits {@code group}'s position in {@code topic}-{@code partition} (the next offset to
     * read) together with the transaction: stored when it commits, forgotten when it aborts. A consume-transform-
     * produce loop passes the position after the records it transformed, so that its output and its input
     * position move together (exactly once).
     */
    public void commitOffset(String topic, String group, int partition, long nextOffset) {
        requireUsable();
        try {
            client.commitOffsetInTransaction(id, topic, group, partition, nextOffset);
        } catch (ConnectionException | ProtocolException e) {
            throw lost("TXN_COMMIT_OFFSET for " + group + " on " + topic + "-" + partition, e);
        }
    }

    /**
     * COMMIT_TX: every record of the transaction becomes visible. Fails (and the transaction is over) when the broker
     * aborted it meanwhile, e.g. after its timeout. Throws {@link IllegalStateException}, sending nothing and leaving
     * the transaction open for {@link #abort()}, when an earlier call's answer was lost.
     */
    public void commit() {
        requireUsable();
        open = false;
        client.endTransaction(id, true);
    }

    /** ABORT_TX: no record of the transaction will ever be visible to read-committed readers. */
    public void abort() {
        requireOpen();
        open = false;
        client.endTransaction(id, false);
    }

    /** Aborts the transaction if it is still open. */
    @Override
    public void close() {
        if (open) {
            abort();
        }
    }

    /** Open, and no call's outcome unknown. */
    private void requireUsable() {
        requireOpen();
        if (mustAbort != null) {
            throw new IllegalStateException("transaction " + id + " can only be aborted: " + mustAbort);
        }
    }

    private FlyMqException lost(String call, FlyMqException e) {
        mustAbort = "the answer to " + call + " was lost, so the broker may or may not have applied it ("
                + e.getMessage() + ")";
        return e;
    }

    private void requireOpen() {
        if (!open) {
            throw new IllegalStateException("transaction " + id + " is already committed or aborted");
        }
    }
}
