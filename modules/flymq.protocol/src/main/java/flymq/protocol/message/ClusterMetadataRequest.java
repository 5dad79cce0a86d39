package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/** CLUSTER_METADATA 0x53 request (wire spec 4.15): {@code str16 topic}; {@code ""} or an empty payload = all topics. */
public record ClusterMetadataRequest(String topic) implements WireMessage {
    public ClusterMetadataRequest {
        topic = topic == null ? "" : topic;
    }

    public static ClusterMetadataRequest read(PayloadReader in) {
        return new ClusterMetadataRequest(in.remaining() >= 2 ? in.str16("topic") : "");
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 2;
    }
}
