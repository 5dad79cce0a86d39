package flymq.client;

import java.util.List;

/** Records for one partition of a BATCH_PRODUCE; partition -1 = the server picks one partition for all of them. */
public record PartitionRecords(int partition, List<ProducerRecord> records) {
    public PartitionRecords {
        // the producer's batches are never written once sealed; copying each of them again for every request it
        // sends was a measurable share of the producer's allocation
        records = records instanceof SealedRecords ? records : List.copyOf(records);
    }
}
