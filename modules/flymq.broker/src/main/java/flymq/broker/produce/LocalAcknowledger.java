package flymq.broker.produce;

import flymq.protocol.Acks;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import java.util.List;

/**
 * Acknowledgement on a single node. {@code none} and {@code leader} answer once the log accepted the batch (it is
 * in the OS page cache and fsynced by the log's sync policy, so it survives a process crash); {@code all} also
 * forces the log to disk before answering, so the batch survives a power loss too: on one node, "every replica" is
 * the local disk. The protocol needs a response to every request, so {@code none} cannot skip the answer; only the
 * producer differs (it does not wait for it).
 */
public final class LocalAcknowledger implements ProduceAcknowledger {

    @Override
    public long appendAndAcknowledge(String topic, int partition, PartitionLog log, List<Record> batch, Acks acks) {
        long offset = log.append(batch);
        if (acks == Acks.ALL) {
            log.flush();
        }
        return offset;
    }
}
