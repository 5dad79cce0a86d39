package flymq.client;

import java.util.List;

/** Records for one partition of a BATCH_PRODUCE; partition -1 = the server picks one partition for all of them. */
public record PartitionRecords(int partition, List<ProducerRecord> records) {
    public PartitionRecords {
        records = List.copyOf(records);
    }
}
