package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.List;

/**
 * PARTITION_REASSIGN 0xC9 request (FlyMQ extension, admin only): moves one partition's replicas to another set of
 * nodes. {@code u8 action · str16 topic · i32 partition · list<str16> replicas · [u8 forwarded]}, answered with a
 * {@link SuccessResponse} once the metadata group has committed the step.
 * <ul>
 *   <li>action 1 START: {@code replicas} is the target, preferred leader first; refused while the partition has a
 *   reassignment in progress, or when a node is not a member;</li>
 *   <li>action 2 CANCEL: {@code replicas} empty; the partition goes back to the replicas it had before;</li>
 *   <li>action 3 FINISH (cluster-internal, sent by the partition's Raft leader): {@code replicas} is the partition
 *   group's membership, now equal to the target.</li>
 * </ul>
 */
public record PartitionReassignRequest(int action, String topic, int partition, List<String> replicas,
                                       boolean forwarded) implements WireMessage {
    public static final int START = 1;
    public static final int CANCEL = 2;
    public static final int FINISH = 3;

    public PartitionReassignRequest {
        replicas = List.copyOf(replicas);
    }

    public static PartitionReassignRequest start(String topic, int partition, List<String> replicas) {
        return new PartitionReassignRequest(START, topic, partition, replicas, false);
    }

    public static PartitionReassignRequest cancel(String topic, int partition) {
        return new PartitionReassignRequest(CANCEL, topic, partition, List.of(), false);
    }

    public PartitionReassignRequest asForwarded() {
        return new PartitionReassignRequest(action, topic, partition, replicas, true);
    }

    public static PartitionReassignRequest read(PayloadReader in) {
        return new PartitionReassignRequest(in.u8("action"), in.str16("topic"), in.i32("partition"),
                Lists.readStrings(in, "replicas"), Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.u8(action).str16(topic).i32(partition);
        Lists.writeStrings(out, replicas);
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 8 + Lists.size(replicas);
    }
}
