package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.List;

/**
 * LIST_TOPICS 0x08 response (wire spec 4.5): {@code list<str16>} names, sorted, internal ({@code __}) ones left
 * out.
 */
public record ListTopicsResponse(List<String> topics) implements WireMessage {
    public ListTopicsResponse {
        topics = List.copyOf(topics);
    }

    public static ListTopicsResponse read(PayloadReader in) {
        return new ListTopicsResponse(Lists.readStrings(in, "topics"));
    }

    @Override
    public void write(PayloadWriter out) {
        Lists.writeStrings(out, topics);
    }

    @Override
    public int sizeHint() {
        return Lists.size(topics);
    }
}
