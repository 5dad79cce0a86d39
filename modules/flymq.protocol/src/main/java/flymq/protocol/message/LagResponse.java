package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * GET_LAG 0x64 response (wire spec 4.13): {@code u64 current · u64 committed · u64 latest · u64 lag} (a broker that
 * does not know consumer positions sends current = committed).
 */
public record LagResponse(long current, long committed, long latest, long lag) implements WireMessage {

    public static LagResponse read(PayloadReader in) {
        return new LagResponse(in.u64("current_offset"), in.u64("committed_offset"), in.u64("latest_offset"),
                in.u64("lag"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.u64(current).u64(committed).u64(latest).u64(lag);
    }

    @Override
    public int sizeHint() {
        return 32;
    }
}
