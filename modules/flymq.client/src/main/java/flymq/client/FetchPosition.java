package flymq.client;

/** One partition to read in a BATCH_FETCH, from {@code offset}. */
public record FetchPosition(int partition, long offset) {
}
