package flymq.client;

import java.nio.charset.StandardCharsets;

/**
 * A record in a dead-letter queue as FETCH_DLQ lists it: {@code id} names it for {@link FlyMqClient#replayDlq} (our
 * broker: its offset in the queue topic), {@code value} is the record's value, {@code error} why it failed and
 * {@code retries} how many redeliveries it got first. The queue topic itself ({@code orders.dlq}) holds the rest
 * (origin partition and offset, failure times) in headers: docs/dlq.md.
 */
public record DeadLetter(String id, byte[] value, String error, int retries) {
    public DeadLetter {
        value = value == null ? new byte[0] : value;
    }

    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }
}
