package flymq.client;

/**
 * The answer to a delayed produce: the record is kept by the broker and appended to {@code topic}-{@code partition}
 * at {@code deliverAtMs} (the broker's clock, Unix ms), when it gets its offset. {@code delayId} names the schedule
 * for {@link FlyMqClient#cancelDelayed}; on the wire it is the {@code offset} field of the answer, which the official
 * SDKs show as the offset.
 */
public record ScheduledRecord(String topic, int partition, long delayId, long deliverAtMs) {
}
