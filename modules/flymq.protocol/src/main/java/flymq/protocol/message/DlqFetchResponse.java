package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * FETCH_DLQ 0x20 response (wire spec 11): {@code u32 n · n × (str16 id · bytes32 data · str16 error · i32 retries)},
 * the layout the Go server writes and both SDKs read. {@code id} is what REPLAY_DLQ takes back (our broker: the
 * record's offset in the queue topic, in decimal); {@code data} is the dead-lettered record's value.
 */
public record DlqFetchResponse(List<Entry> messages) implements WireMessage {

    public DlqFetchResponse {
        messages = List.copyOf(messages);
    }

    public record Entry(String id, byte[] data, String error, int retries) {
    }

    public static DlqFetchResponse read(PayloadReader in) {
        int n = in.count("message count", 2 + 4 + 2 + 4);
        List<Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            entries.add(new Entry(in.str16("id"), in.bytes32("data"), in.str16("error"), in.i32("retries")));
        }
        return new DlqFetchResponse(entries);
    }

    @Override
    public void write(PayloadWriter out) {
        out.u32(messages.size());
        for (Entry e : messages) {
            out.str16(e.id()).bytes32(e.data()).str16(e.error()).i32(e.retries());
        }
    }

    @Override
    public int sizeHint() {
        int n = 4;
        for (Entry e : messages) {
            n += 12 + e.id().length() + e.data().length + e.error().length() * 3;
        }
        return n;
    }
}
