package flymq.broker.group;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.broker.server.Session;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The consumer-group opcodes (wire spec 4.7-4.14), one method per opcode, registered as handlers by the node.
 * Layouts are in each method's comment; docs/protocol.md has the full table.
 */
public final class GroupRequests {
    private final GroupCoordinator groups;
    private final String nodeId;

    public GroupRequests(GroupCoordinator groups, String nodeId) {
        this.groups = groups;
        this.nodeId = nodeId;
    }

    /** SUBSCRIBE 0x05: {@code str16 topic · str16 group · i32 partition · str8 mode} → {@code u64 offset}. */
    public void subscribe(Session session, PayloadReader in, PayloadWriter out) {
        String topic = in.str16("topic");
        String group = in.str16("group_id");
        int partition = in.i32("partition");
        String mode = in.hasRemaining() ? in.str8("mode") : "";
        out.u64(groups.subscribe(session, topic, group, partition, mode));
    }

    /**
     * COMMIT 0x06: {@code str16 topic · str16 group · i32 partition · u64 offset} → {@code bool}; an offset beyond
     * the partition's end is refused ({@link GroupCoordinator#checkOffset}).
     */
    public void commit(Session session, PayloadReader in, PayloadWriter out) {
        String topic = in.str16("topic");
        String group = in.str16("group_id");
        int partition = in.i32("partition");
        long offset = in.u64("offset");
        groups.checkOffset("COMMIT", topic, group, partition, offset);
        groups.commit(topic, group, partition, offset);
        out.bool(true);
    }

    /** GET_OFFSET 0x60: {@code str16 topic · str16 group · i32 partition} → {@code u64 committed}. */
    public void getOffset(Session session, PayloadReader in, PayloadWriter out) {
        String topic = in.str16("topic");
        String group = in.str16("group_id");
        int partition = in.i32("partition");
        out.u64(groups.committed(topic, group, partition));
    }

    /**
     * RESET_OFFSET 0x61: {@code str16 topic · str16 group · i32 partition · str8 mode · [u64 value]} → {@code bool}.
     * The value is read for modes {@code offset} and {@code timestamp} (ours) and ignored otherwise (the Java SDK
     * always appends 8 bytes).
     */
    public void resetOffset(Session session, PayloadReader in, PayloadWriter out) {
        String topic = in.str16("topic");
        String group = in.str16("group_id");
        int partition = in.i32("partition");
        String mode = in.str8("mode");
        OptionalLong value = OptionalLong.empty();
        if (mode.equals("offset") || mode.equals("timestamp")) {
            value = OptionalLong.of(in.u64(mode));
        }
        groups.reset(topic, group, partition, mode, value);
        out.bool(true);
    }

    /**
     * LIST_GROUPS 0x62 (Go/Python layout): {@code u32 n · n × (str16 topic · str16 group · u32 members ·
     * u32 k · k × (i32 partition · u64 offset))}.
     */
    public void listGroups(Session session, PayloadReader in, PayloadWriter out) {
        List<GroupCoordinator.GroupSnapshot> all = groups.snapshot();
        out.u32(all.size());
        for (GroupCoordinator.GroupSnapshot g : all) {
            out.str16(g.topic()).str16(g.group()).u32(g.members().size());
            writeOffsets(out, g.offsets());
        }
    }

    /**
     * DESCRIBE_GROUP 0x63. Python/Go send {@code str16 topic · str16 group} and get {@code str16 topic ·
     * str16 group · u32 members · u32 k · k × (i32 partition · u64 offset)}. The Java SDK sends only
     * {@code str16 group} and gets {@code str16 group · str16 state · list<str16> members · list<str16> topics ·
     * str16 coordinator}, covering the group id on every topic.
     */
    public void describeGroup(Session session, PayloadReader in, PayloadWriter out) {
        String first = in.str16("group_id");
        if (!in.hasRemaining()) {
            describeForJava(first, out);
            return;
        }
        String group = in.str16("group_id");
        GroupCoordinator.GroupSnapshot g = groups.describe(first, group);
        out.str16(g.topic()).str16(g.group()).u32(g.members().size());
        writeOffsets(out, g.offsets());
    }

    private void describeForJava(String group, PayloadWriter out) {
        Set<String> members = new LinkedHashSet<>();
        Set<String> topics = new LinkedHashSet<>();
        for (GroupCoordinator.GroupSnapshot g : groups.snapshot()) {
            if (g.group().equals(group)) {
                topics.add(g.topic());
                members.addAll(g.members());
            }
        }
        if (topics.isEmpty()) {
            throw new flymq.protocol.RequestException("consumer group not found: " + group);
        }
        out.str16(group).str16(members.isEmpty() ? "Empty" : "Stable").strList(members).strList(topics)
                .str16(nodeId);
    }

    /**
     * GET_LAG 0x64: {@code str16 topic · str16 group · i32 partition} → {@code u64 current · u64 committed ·
     * u64 latest · u64 lag} (current = committed: the broker does not know consumer positions).
     */
    public void getLag(Session session, PayloadReader in, PayloadWriter out) {
        String topic = in.str16("topic");
        String group = in.str16("group_id");
        int partition = in.i32("partition");
        GroupCoordinator.Lag lag = groups.lag(topic, group, partition);
        out.u64(lag.committed()).u64(lag.committed()).u64(lag.latest()).u64(lag.lag());
    }

    /** DELETE_GROUP 0x65: {@code str16 topic · str16 group} (Python/Go) or {@code str16 group} (Java) → bool. */
    public void deleteGroup(Session session, PayloadReader in, PayloadWriter out) {
        String first = in.str16("group_id");
        if (!in.hasRemaining()) {
            groups.deleteAll(first);
        } else {
            groups.delete(first, in.str16("group_id"));
        }
        out.bool(true);
    }

    private static void writeOffsets(PayloadWriter out, Map<Integer, Long> offsets) {
        out.u32(offsets.size());
        offsets.forEach((p, o) -> out.i32(p).u64(o));
    }
}
