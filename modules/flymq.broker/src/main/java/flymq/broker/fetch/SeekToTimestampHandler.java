package flymq.broker.fetch;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.TopicManager;

/**
 * SEEK_TO_TIMESTAMP 0x66 (our layout; upstream never defined one, see docs/protocol.md). Request
 * {@code str16 topic · i32 partition · i64 timestamp_ms}; response {@code u64 offset}: the first offset whose record
 * timestamp is at or after the given time, or the end offset (next to be written) when there is none.
 */
public final class SeekToTimestampHandler implements RequestHandler {
    private final TopicManager topics;

    public SeekToTimestampHandler(TopicManager topics) {
        this.topics = topics;
    }

    @Override
    public void handle(Session session, PayloadReader in, PayloadWriter out) {
        String topic = in.str16("topic");
        int partition = in.i32("partition");
        long timestamp = in.i64("timestamp_ms");
        out.u64(topics.topic(topic).log(partition).offsetForTimestamp(timestamp));
    }
}
