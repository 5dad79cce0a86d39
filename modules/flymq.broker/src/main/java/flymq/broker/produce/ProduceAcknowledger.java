package flymq.broker.produce;

import flymq.protocol.Acks;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import java.util.List;

/**
 * The acknowledgement seam: the one place where a produced batch is appended and the broker decides, by the
 * {@link Acks} it is given, when it may answer. A single node uses {@link LocalAcknowledger} ({@code all} flushes
 * the partition log); a cluster uses the replication one ({@code all} waits for a majority of the replicas).
 * Handlers pass the request's acks (BATCH_PRODUCE) or the configured {@code performance.acks} (1.26 PRODUCE, which
 * carries none) and never act on acks themselves.
 */
@FunctionalInterface
public interface ProduceAcknowledger {

    /**
     * Appends {@code batch} to the partition's log and returns when {@code acks} allows the answer.
     *
     * @return the offset of the first record of the batch
     */
    long appendAndAcknowledge(String topic, int partition, PartitionLog log, List<Record> batch, Acks acks);

    /**
     * Like {@link #appendAndAcknowledge(String, int, PartitionLog, List, Acks)}, for a batch of an idempotent
     * producer: when the partition appended this producer's batch before ({@link ProducerSequences}), nothing is
     * appended and the first append's base offset is returned. Acknowledgers that keep no producer state refuse
     * identified batches rather than append them twice.
     */
    default long appendAndAcknowledge(String topic, int partition, PartitionLog log, List<Record> batch, Acks acks,
                                      ProducerBatch producer) {
        if (producer.identified()) {
            throw new IllegalStateException(getClass().getName() + " cannot deduplicate batches of producer "
                    + producer.producerId());
        }
        return appendAndAcknowledge(topic, partition, log, batch, acks);
    }
}
