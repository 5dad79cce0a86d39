package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * CREATE_TOPIC 0x03 request (wire spec 4.3): {@code str16 topic · i32 partitions · [settings [· i64 ttl_ms]] ·
 * [u8 forwarded]}. The settings block is our extension, {@code i32 replication_factor · i64 retention_ms · i64
 * retention_bytes · i64 segment_bytes · i64 segment_ms} ({@value #SETTINGS_BLOCK} bytes, -1 = the broker's default);
 * it is read only when all of it is present, since the SDKs send just the first two fields. {@code ttl_ms} (the
 * topic's default time to live; 0 = never, -1 = {@code ttl.default_ttl}) may follow it and is written only when it
 * is not -1, so requests without it keep their bytes. The {@link Forwarded} marker follows
 * when a cluster node passes the request on to the metadata leader.
 *
 * @param settings null when the request has no settings block
 */
public record CreateTopicRequest(String topic, int partitions, Settings settings, boolean forwarded)
        implements WireMessage {
    /** Bytes of the optional settings block. */
    public static final int SETTINGS_BLOCK = 4 + 8 * 4;

    /** The settings block; -1 in a field means the broker's default. */
    public record Settings(int replicationFactor, long retentionMs, long retentionBytes, long segmentBytes,
                           long segmentMs, long ttlMs) {

        /** Settings without a topic TTL. */
        public Settings(int replicationFactor, long retentionMs, long retentionBytes, long segmentBytes,
                        long segmentMs) {
            this(replicationFactor, retentionMs, retentionBytes, segmentBytes, segmentMs, -1);
        }
    }

    /** The SDKs' short form. */
    public static CreateTopicRequest of(String topic, int partitions) {
        return new CreateTopicRequest(topic, partitions, null, false);
    }

    public static CreateTopicRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        int partitions = in.i32("partitions");
        Settings settings = null;
        if (in.remaining() >= SETTINGS_BLOCK) {
            settings = new Settings(in.i32("replication_factor"), in.i64("retention_ms"), in.i64("retention_bytes"),
                    in.i64("segment_bytes"), in.i64("segment_ms"), -1);
            if (in.remaining() >= 8) {
                settings = new Settings(settings.replicationFactor(), settings.retentionMs(),
                        settings.retentionBytes(), settings.segmentBytes(), settings.segmentMs(), in.i64("ttl_ms"));
            }
        }
        return new CreateTopicRequest(topic, partitions, settings, Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).i32(partitions);
        if (settings != null) {
            out.i32(settings.replicationFactor()).i64(settings.retentionMs()).i64(settings.retentionBytes())
                    .i64(settings.segmentBytes()).i64(settings.segmentMs());
            if (settings.ttlMs() != -1) {
                out.i64(settings.ttlMs());
            }
        }
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 16 + SETTINGS_BLOCK;
    }
}
