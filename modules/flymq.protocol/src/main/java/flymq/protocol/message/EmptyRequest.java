package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/** The empty request of LIST_TOPICS 0x08, LIST_GROUPS 0x62, CLUSTER_STATUS 0x52 and WHOAMI 0x72. */
public record EmptyRequest() implements WireMessage {
    public static final EmptyRequest INSTANCE = new EmptyRequest();

    /** Any bytes sent are ignored, as the SDKs expect. */
    public static EmptyRequest read(PayloadReader in) {
        return INSTANCE;
    }

    @Override
    public void write(PayloadWriter out) {
    }

    @Override
    public int sizeHint() {
        return 0;
    }
}
