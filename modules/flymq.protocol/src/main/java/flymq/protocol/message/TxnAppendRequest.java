package flymq.protocol.message;

import flymq.protocol.Acks;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * TXN_APPEND 0xC7 request (cluster-internal; the SDKs never send it): the cluster's transaction coordinator appends a
 * transaction's records, or its commit/abort marker, to a partition that another node leads. Layout:
 * {@code str16 topic · i32 partition · u8 acks · i32 count · count × (i64 timestamp · i32 key_len (-1 = no key) ·
 * key · bytes32 value · u16 headers · headers × (str16 key · bytes32 value))}. The records already carry the
 * transaction's reserved headers; the partition leader appends them through the partition's Raft group as they are.
 * Answered with a {@link TxnAppendResponse}.
 */
public record TxnAppendRequest(String topic, int partition, Acks acks, List<Entry> records) implements WireMessage {

    /** One record: {@code headers} keep their order. */
    public record Entry(long timestamp, byte[] key, byte[] value, List<Header> headers) {
    }

    /** One header. */
    public record Header(String key, byte[] value) {
    }

    public static TxnAppendRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        int partition = in.i32("partition");
        Acks acks;
        int code = in.u8("acks");
        try {
            acks = Acks.fromCode(code);
        } catch (IllegalArgumentException e) {
            throw new RequestException("TXN_APPEND: unknown acks " + code);
        }
        int count = in.count("records", 17);
        List<Entry> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long ts = in.i64("timestamp");
            int keyLength = in.i32("key_len");
            byte[] key = null;
            if (keyLength >= 0) {
                if (keyLength > in.remaining()) {
                    throw new RequestException("TXN_APPEND: key of " + keyLength + " bytes with " + in.remaining()
                            + " left");
                }
                key = new byte[keyLength];
                System.arraycopy(in.array(), in.position(), key, 0, keyLength);
                in.skip(keyLength, "key");
            } else if (keyLength != -1) {
                throw new RequestException("TXN_APPEND: key length " + keyLength);
            }
            byte[] value = in.bytes32("value");
            int n = in.u16("headers");
            List<Header> headers = new ArrayList<>(n);
            for (int h = 0; h < n; h++) {
                headers.add(new Header(in.str16("header_key"), in.bytes32("header_value")));
            }
            records.add(new Entry(ts, key, value, List.copyOf(headers)));
        }
        return new TxnAppendRequest(topic, partition, acks, List.copyOf(records));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).i32(partition).u8(acks.code()).i32(records.size());
        for (Entry e : records) {
            out.i64(e.timestamp());
            if (e.key() == null) {
                out.i32(-1);
            } else {
                out.i32(e.key().length).raw(e.key(), 0, e.key().length);
            }
            out.bytes32(e.value()).u16(e.headers().size());
            for (Header h : e.headers()) {
                out.str16(h.key()).bytes32(h.value());
            }
        }
    }

    @Override
    public int sizeHint() {
        int size = 16 + topic.length() * 3;
        for (Entry e : records) {
            size += 20 + (e.key() == null ? 0 : e.key().length) + e.value().length;
            for (Header h : e.headers()) {
                size += 6 + h.key().length() * 3 + h.value().length;
            }
        }
        return size;
    }
}
