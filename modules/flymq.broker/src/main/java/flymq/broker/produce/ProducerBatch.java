package flymq.broker.produce;

/**
 * Who produced a batch, for deduplication: an idempotent producer's id and the sequence number of the batch's first
 * record on its partition (BATCH_PRODUCE's idempotence trailer, docs/protocol.md). {@link #NONE} for every other
 * batch, which is appended as often as it is sent.
 */
public record ProducerBatch(long producerId, int firstSequence) {
    public static final ProducerBatch NONE = new ProducerBatch(-1, -1);

    /** Whether the batch can be recognised when it comes again. */
    public boolean identified() {
        return producerId > 0 && firstSequence >= 0;
    }
}
