package flymq.client;

/**
 * The answer to {@link FlyMqClient#nack}: either the record was dead-lettered ({@code deadLettered}, under
 * {@code dlqId}) and the group should move past it, or the group should process it again from {@code retryAtMs}
 * (Unix ms) on. {@code failures} counts the failures reported for it so far, this one included.
 */
public record NackResult(boolean deadLettered, int failures, long retryAtMs, String dlqId) {
}
