package flymq.protocol.message;

import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ALTER_TOPIC 0xC4 request (FlyMQ's extension): changes settings of an existing topic. {@code str16 topic · u16 n ·
 * n × (str16 key · i64 value) · [u8 forwarded]}, answered with a {@link SuccessResponse}. Only the keys given
 * change; a value of -1 puts the setting back to the broker's default. The keys are {@link #SETTINGS}; an unknown or
 * repeated key is refused whole (nothing changes), so a client learns at once that the broker does not know it.
 *
 * @param settings key to new value, in request order
 */
public record AlterTopicRequest(String topic, Map<String, Long> settings, boolean forwarded) implements WireMessage {
    public static final String RETENTION_MS = "retention_ms";
    public static final String RETENTION_BYTES = "retention_bytes";
    public static final String SEGMENT_BYTES = "segment_bytes";
    public static final String SEGMENT_MS = "segment_ms";
    public static final String TTL_MS = "ttl_ms";
    /** The keys a topic's settings are changed by, as the topic describes them. */
    public static final List<String> SETTINGS = List.of(RETENTION_MS, RETENTION_BYTES, SEGMENT_BYTES, SEGMENT_MS,
            TTL_MS);
    /** A value that puts a setting back to the broker's default. */
    public static final long BROKER_DEFAULT = -1;

    public AlterTopicRequest {
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        if (settings.size() > 0xFFFF) {
            throw new IllegalArgumentException("at most 65535 settings in one ALTER_TOPIC, got " + settings.size());
        }
    }

    public static AlterTopicRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        int n = in.u16("settings");
        Map<String, Long> settings = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String key = in.str16("setting key");
            long value = in.i64("setting value");
            if (settings.put(key, value) != null) {
                throw new MalformedPayloadException("invalid binary format: setting " + key + " is given twice");
            }
        }
        return new AlterTopicRequest(topic, settings, Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).u16(settings.size());
        settings.forEach((k, v) -> out.str16(k).i64(v));
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        int size = topic.length() * 3 + 5;
        for (String k : settings.keySet()) {
            size += k.length() * 3 + 10;
        }
        return size;
    }
}
