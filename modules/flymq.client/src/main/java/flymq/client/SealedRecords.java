package flymq.client;

import java.util.AbstractList;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A sealed producer batch's records, as {@link PartitionRecords} takes them without copying: a read-only view over
 * the first {@code size} slots of an array that no one writes any more. Package-private, so that only the producer
 * can hand {@link PartitionRecords} a list it does not copy.
 */
final class SealedRecords extends AbstractList<ProducerRecord> implements RandomAccess {
    private final ProducerRecord[] records;
    private final int size;

    SealedRecords(ProducerRecord[] records, int size) {
        Objects.checkFromIndexSize(0, size, records.length);
        this.records = records;
        this.size = size;
    }

    @Override
    public ProducerRecord get(int index) {
        Objects.checkIndex(index, size);
        return records[index];
    }

    @Override
    public int size() {
        return size;
    }
}
