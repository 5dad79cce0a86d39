package flymq.broker.produce;

import flymq.protocol.Acks;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Acknowledgement on a single node. {@code none} and {@code leader} answer once the log accepted the batch (it is
 * in the OS page cache and fsynced by the log's sync policy, so it survives a process crash); {@code all} also
 * forces the log to disk before answering, so the batch survives a power loss too: on one node, "every replica" is
 * the local disk. The protocol needs a response to every request, so {@code none} cannot skip the answer; only the
 * producer differs (it does not wait for it).
 *
 * <p>Batches of idempotent producers are checked against the partition's {@link ProducerSequences} and appended
 * under its lock, so a retry racing its original is still appended once. The table lives in memory: a retry that
 * arrives after a broker restart is appended again (the restart broke the connection, so the producer retries).
 */
public final class LocalAcknowledger implements ProduceAcknowledger {
    private final ConcurrentHashMap<String, ProducerSequences> sequences = new ConcurrentHashMap<>();

    @Override
    public long appendAndAcknowledge(String topic, int partition, PartitionLog log, List<Record> batch, Acks acks) {
        long offset = log.append(batch);
        if (acks == Acks.ALL) {
            log.flush();
        }
        return offset;
    }

    @Override
    public long appendAndAcknowledge(String topic, int partition, PartitionLog log, List<Record> batch, Acks acks,
                                     ProducerBatch producer) {
        if (!producer.identified()) {
            return appendAndAcknowledge(topic, partition, log, batch, acks);
        }
        ProducerSequences table = sequences.computeIfAbsent(partition + "/" + topic, k -> new ProducerSequences());
        synchronized (table) {
            long before = table.duplicateOf(producer, batch.size());
            if (before >= 0) {
                if (acks == Acks.ALL) {
                    log.flush(); // the first try may have been answered by acks leader: make it durable now
                }
                return before;
            }
            long offset = appendAndAcknowledge(topic, partition, log, batch, acks);
            table.appended(producer, batch.size(), offset);
            return offset;
        }
    }
}
