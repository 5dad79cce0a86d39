package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * CREATE_PARTITIONS 0xC5 request (FlyMQ's extension, named after Kafka's CreatePartitions): grows a topic to
 * {@code partitions} partitions in all. {@code str16 topic · i32 partitions · [u8 forwarded]}, answered with a
 * {@link SuccessResponse}. The count is the new total, not a number to add, so a retry after a lost answer changes
 * nothing more; the current count is accepted and changes nothing; a smaller one is refused (partitions are never
 * removed).
 */
public record CreatePartitionsRequest(String topic, int partitions, boolean forwarded) implements WireMessage {

    public static CreatePartitionsRequest read(PayloadReader in) {
        return new CreatePartitionsRequest(in.str16("topic"), in.i32("partitions"), Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).i32(partitions);
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 7;
    }
}
