package flymq.broker.produce;

import flymq.storage.PartitionLog;
import flymq.storage.Record;
import java.util.List;

/**
 * The cluster seam for acknowledgement: the one place where a produced batch is appended and the broker decides
 * it may answer. The single-node broker uses {@link LocalAcknowledger}; replication replaces it with one that also
 * waits for followers when {@code performance.acks} is {@code all}.
 */
public interface ProduceAcknowledger {

    /**
     * Appends {@code batch} to the partition's log and returns when the batch is acknowledged by the configured
     * policy.
     *
     * @return the offset of the first record of the batch
     */
    long appendAndAcknowledge(String topic, int partition, PartitionLog log, List<Record> batch);

    /**
     * The same with the acks the request asked for (BATCH_PRODUCE carries its own); by default the configured
     * policy applies.
     */
    default long appendAndAcknowledge(String topic, int partition, PartitionLog log, List<Record> batch,
                                      flymq.broker.BrokerConfig.Acks acks) {
        return appendAndAcknowledge(topic, partition, log, batch);
    }
}
