package flymq.client;

import java.util.Objects;

/** A record header: a name and an opaque value (only the extension opcodes carry headers). */
public record Header(String key, byte[] value) {
    public Header {
        Objects.requireNonNull(key, "header key");
        value = value == null ? new byte[0] : value;
    }
}
