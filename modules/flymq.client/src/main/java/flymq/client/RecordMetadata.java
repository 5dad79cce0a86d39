package flymq.client;

/**
 * Where the server put a produced record. {@code timestamp} is the server's clock in Unix ms; {@code keySize} is -1
 * for a record without key. The batching producer reports -1 for sizes it does not get back from the server.
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp, int keySize, int valueSize) {
}
