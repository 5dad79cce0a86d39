package flymq.broker.group;

import flymq.broker.server.Session;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.CommitRequest;
import flymq.protocol.message.DeleteGroupRequest;
import flymq.protocol.message.DescribeGroupRequest;
import flymq.protocol.message.GroupDescription;
import flymq.protocol.message.GroupPartitionRequest;
import flymq.protocol.message.GroupSummary;
import flymq.protocol.message.LagResponse;
import flymq.protocol.message.ListGroupsResponse;
import flymq.protocol.message.OffsetResponse;
import flymq.protocol.message.ResetOffsetRequest;
import flymq.protocol.message.SubscribeRequest;
import flymq.protocol.message.SuccessResponse;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The consumer-group opcodes (wire spec 4.7-4.14), one method per opcode, registered as handlers by the node. Each
 * method names its message types ({@code flymq.protocol.message}); docs/protocol.md has the full table.
 */
public final class GroupRequests {
    private final GroupCoordinator groups;
    private final String nodeId;

    public GroupRequests(GroupCoordinator groups, String nodeId) {
        this.groups = groups;
        this.nodeId = nodeId;
    }

    /** SUBSCRIBE 0x05: {@link SubscribeRequest} → {@link OffsetResponse}, where to read next. */
    public void subscribe(Session session, PayloadReader in, PayloadWriter out) {
        SubscribeRequest r = SubscribeRequest.read(in);
        new OffsetResponse(groups.subscribe(session, r.topic(), r.group(), r.partition(), r.mode())).write(out);
    }

    /**
     * COMMIT 0x06: {@link CommitRequest} → {@link SuccessResponse}; an offset beyond the partition's end is refused
     * ({@link GroupCoordinator#checkOffset}).
     */
    public void commit(Session session, PayloadReader in, PayloadWriter out) {
        CommitRequest r = CommitRequest.read(in);
        groups.checkOffset("COMMIT", r.topic(), r.group(), r.partition(), r.offset());
        groups.commit(r.topic(), r.group(), r.partition(), r.offset());
        SuccessResponse.OK.write(out);
    }

    /** GET_OFFSET 0x60: {@link GroupPartitionRequest} → {@link OffsetResponse}, the committed offset. */
    public void getOffset(Session session, PayloadReader in, PayloadWriter out) {
        GroupPartitionRequest r = GroupPartitionRequest.read(in);
        new OffsetResponse(groups.committed(r.topic(), r.group(), r.partition())).write(out);
    }

    /**
     * RESET_OFFSET 0x61: {@link ResetOffsetRequest} → {@link SuccessResponse}. The value counts for modes
     * {@code offset} and {@code timestamp} (ours) and is ignored otherwise (the Java SDK always appends 8 bytes).
     */
    public void resetOffset(Session session, PayloadReader in, PayloadWriter out) {
        ResetOffsetRequest r = ResetOffsetRequest.read(in);
        groups.reset(r.topic(), r.group(), r.partition(), r.mode(),
                ResetOffsetRequest.needsValue(r.mode()) ? r.value() : OptionalLong.empty());
        SuccessResponse.OK.write(out);
    }

    /** LIST_GROUPS 0x62 (Go/Python layout): empty → {@link ListGroupsResponse}, one entry per (topic, group). */
    public void listGroups(Session session, PayloadReader in, PayloadWriter out) {
        List<GroupCoordinator.GroupSnapshot> all = groups.snapshot();
        List<GroupSummary> summaries = new ArrayList<>(all.size());
        for (GroupCoordinator.GroupSnapshot g : all) {
            summaries.add(summary(g));
        }
        new ListGroupsResponse(summaries).write(out);
    }

    /**
     * DESCRIBE_GROUP 0x63. Python/Go send {@code str16 topic · str16 group} and get a {@link GroupSummary}; the Java
     * SDK sends only {@code str16 group} and gets a {@link GroupDescription} covering the group id on every topic.
     */
    public void describeGroup(Session session, PayloadReader in, PayloadWriter out) {
        DescribeGroupRequest r = DescribeGroupRequest.read(in);
        if (r.javaForm()) {
            describeForJava(r.group(), out);
            return;
        }
        summary(groups.describe(r.topic(), r.group())).write(out);
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
            throw new RequestException("consumer group not found: " + group);
        }
        new GroupDescription(group, members.isEmpty() ? "Empty" : "Stable", List.copyOf(members),
                List.copyOf(topics), nodeId).write(out);
    }

    /**
     * GET_LAG 0x64: {@link GroupPartitionRequest} → {@link LagResponse} (current = committed: the broker does not know
     * consumer positions).
     */
    public void getLag(Session session, PayloadReader in, PayloadWriter out) {
        GroupPartitionRequest r = GroupPartitionRequest.read(in);
        GroupCoordinator.Lag lag = groups.lag(r.topic(), r.group(), r.partition());
        new LagResponse(lag.committed(), lag.committed(), lag.latest(), lag.lag()).write(out);
    }

    /** DELETE_GROUP 0x65: {@link DeleteGroupRequest} (Python/Go: one topic; Java: every topic) → bool. */
    public void deleteGroup(Session session, PayloadReader in, PayloadWriter out) {
        DeleteGroupRequest r = DeleteGroupRequest.read(in);
        if (r.allTopics()) {
            groups.deleteAll(r.group());
        } else {
            groups.delete(r.topic(), r.group());
        }
        SuccessResponse.OK.write(out);
    }

    private static GroupSummary summary(GroupCoordinator.GroupSnapshot g) {
        List<GroupSummary.PartitionOffset> offsets = new ArrayList<>(g.offsets().size());
        g.offsets().forEach((p, o) -> offsets.add(new GroupSummary.PartitionOffset(p, o)));
        return new GroupSummary(g.topic(), g.group(), g.members().size(), offsets);
    }
}
