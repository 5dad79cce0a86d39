package flymq.broker.fetch;

import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.TopicManager;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.OffsetResponse;
import flymq.protocol.message.SeekToTimestampRequest;

/**
 * SEEK_TO_TIMESTAMP 0x66 (our layout; upstream never defined one, see docs/protocol.md): a
 * {@link SeekToTimestampRequest} answered with an {@link OffsetResponse}, the first offset whose record timestamp is
 * at or after the given time, or the end offset (next to be written) when there is none.
 */
public final class SeekToTimestampHandler implements RequestHandler {
    private final TopicManager topics;

    public SeekToTimestampHandler(TopicManager topics) {
        this.topics = topics;
    }

    @Override
    public void handle(Session session, PayloadReader in, PayloadWriter out) {
        SeekToTimestampRequest request = SeekToTimestampRequest.read(in);
        new OffsetResponse(topics.topic(request.topic()).log(request.partition())
                .offsetForTimestamp(request.timestampMs())).write(out);
    }
}
