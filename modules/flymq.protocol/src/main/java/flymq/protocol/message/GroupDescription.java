package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.List;

/**
 * DESCRIBE_GROUP 0x63 answer to the Java SDK's request (wire spec 4.12): {@code str16 group_id · str16 state ·
 * list<str16> members · list<str16> topics · str16 coordinator}, covering the group on every topic.
 */
public record GroupDescription(String group, String state, List<String> members, List<String> topics,
                               String coordinator) implements WireMessage {
    public GroupDescription {
        members = List.copyOf(members);
        topics = List.copyOf(topics);
    }

    public static GroupDescription read(PayloadReader in) {
        return new GroupDescription(in.str16("group_id"), in.str16("state"), Lists.readStrings(in, "members"),
                Lists.readStrings(in, "topics"), in.str16("coordinator"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(group).str16(state);
        Lists.writeStrings(out, members);
        Lists.writeStrings(out, topics);
        out.str16(coordinator);
    }

    @Override
    public int sizeHint() {
        return (group.length() + state.length() + coordinator.length()) * 3 + 6 + Lists.size(members)
                + Lists.size(topics);
    }
}
