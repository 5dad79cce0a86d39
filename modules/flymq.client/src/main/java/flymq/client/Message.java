package flymq.client;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A record read from a partition. {@code timestamp} is -1 when the opcode that read it does not carry timestamps
 * (1.26 CONSUME/FETCH); {@code key} is empty for a keyless record; {@code headers} is empty unless read with the
 * batch-fetch extension.
 */
public record Message(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
                      List<Header> headers) {
    public Message {
        key = key == null ? new byte[0] : key;
        value = value == null ? new byte[0] : value;
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    public String keyAsString() {
        return new String(key, StandardCharsets.UTF_8);
    }

    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }
}
