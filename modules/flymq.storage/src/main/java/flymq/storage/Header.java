package flymq.storage;

import java.util.Objects;

/**
 * One record header: a name and its bytes (W3C trace context travels in these).
 *
 * @param key   header name, not null, at most 32767 UTF-8 bytes
 * @param value header bytes, not null (use an empty array for "no value")
 */
public record Header(String key, byte[] value) {
    public Header {
        Objects.requireNonNull(key, "header key");
        Objects.requireNonNull(value, "header value");
    }
}
