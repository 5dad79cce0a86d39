package flymq.protocol.message;

import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * FETCH 0x07 and FETCH_BINARY 0x0B request (wire spec 4.6): {@code str16 topic · i32 partition · u64 offset ·
 * i32 max_messages · [str16 filter]}. A missing filter, or one whose length overruns the payload, is no filter
 * ({@code ""}), as in upstream.
 */
public record FetchRequest(String topic, int partition, long offset, int maxMessages, String filter)
        implements WireMessage {
    public FetchRequest {
        filter = filter == null ? "" : filter;
    }

    public static FetchRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        int partition = in.i32("partition");
        long offset = in.u64("offset");
        int max = in.i32("max_messages");
        String filter = "";
        if (in.remaining() >= 2) {
            try {
                filter = in.str16("filter");
            } catch (MalformedPayloadException overrun) {
                filter = "";
            }
        }
        return new FetchRequest(topic, partition, offset, max, filter);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).i32(partition).u64(offset).i32(maxMessages).str16(filter);
    }

    @Override
    public int sizeHint() {
        return (topic.length() + filter.length()) * 3 + 20;
    }
}
