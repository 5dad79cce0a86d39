package flymq.broker.produce;

import flymq.broker.BrokerConfig.Acks;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import java.util.List;

/**
 * Acknowledgement on a single node. {@code none} and {@code leader} answer once the log accepted the batch (it is
 * in the OS page cache and fsynced by the log's sync policy, so it survives a process crash); {@code all} also
 * forces the log to disk before answering, so the batch survives a power loss too. The protocol needs a response
 * to every request, so {@code none} cannot skip the answer; it differs from {@code leader} only once replication
 * exists (it will not wait for followers).
 */
public final class LocalAcknowledger implements ProduceAcknowledger {
    private final Acks acks;

    public LocalAcknowledger(Acks acks) {
        this.acks = acks;
    }

    @Override
    public long appendAndAcknowledge(String topic, int partition, PartitionLog log, List<Record> batch) {
        long offset = log.append(batch);
        if (acks == Acks.ALL) {
            log.flush();
        }
        return offset;
    }
}
