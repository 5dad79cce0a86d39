package flymq.client;

import java.util.Map;

/** A consumer group on one topic, as LIST_GROUPS and DESCRIBE_GROUP report it: committed offset per partition. */
public record GroupInfo(String topic, String groupId, int memberCount, Map<Integer, Long> committedOffsets) {
    public GroupInfo {
        committedOffsets = Map.copyOf(committedOffsets);
    }
}
