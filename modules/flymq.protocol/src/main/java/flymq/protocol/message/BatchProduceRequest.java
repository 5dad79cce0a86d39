package flymq.protocol.message;

import flymq.protocol.Acks;
import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.record.RecordFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * BATCH_PRODUCE 0xC0 request (extension):
 * <pre>
 *   str16 topic
 *   u8    acks             {@link Acks#code()}: 0 none, 1 leader, 2 all; any other byte is refused
 *   u32   group_count
 *   group_count ×
 *     i32   partition      -1: the server picks one partition for the whole group (round robin)
 *     u32   record_count   >= 1
 *     record_count ×
 *       i64     timestamp  Unix ms; <= 0: the server's clock
 *       bytes32 key        length 0 = no key
 *       bytes32 value
 *       u16     header_count
 *       header_count × (str16 name · bytes32 value)
 *   [u8 forwarded          {@link Forwarded}: a part passed on by a cluster node (0xFF), else 0 when more follows
 *    [i64 producer_id      an idempotent producer's id (> 0)
 *     group_count ×
 *       i32 first_sequence the producer's sequence number of the group's first record on its partition; -1: none]]
 * </pre>
 * The idempotence trailer makes a retried group safe: a partition that already appended the group with this
 * producer id and first sequence answers with the offset it gave then and appends nothing (docs/protocol.md).
 * A record's header named {@value #TTL_HEADER} with an 8-byte big-endian value asks for a time to live in
 * milliseconds (> 0), as PRODUCE_WITH_TTL does for one record: the broker takes the header off and stores the
 * record with its expiry instead.
 * Reading checks the whole layout but decodes no record: each {@link Group} keeps the window of the request bytes
 * that holds its records, so a node that only routes groups to other nodes copies them once, and the node that
 * appends them decodes them straight into its own record type ({@link Group#records}). A producer writes the
 * request as it walks its batches, with {@link #writer}, without building this record.
 */
public record BatchProduceRequest(String topic, Acks acks, List<Group> groups, boolean forwarded, long producerId)
        implements WireMessage {
    /** The producer id of a request without the idempotence trailer. */
    public static final long NO_PRODUCER = -1;
    /** The sequence of a group that is not deduplicated. */
    public static final int NO_SEQUENCE = -1;

    /** The reserved header that carries a record's time to live (8 bytes, big-endian milliseconds). */
    public static final String TTL_HEADER = "flymq.ttl-ms";

    /** Bytes of the smallest record: timestamp 8, key length 4, value length 4, header count 2. */
    public static final int MIN_RECORD_BYTES = 18;
    /** Bytes of a group before its records. */
    public static final int GROUP_HEADER_BYTES = 8;

    public BatchProduceRequest {
        groups = List.copyOf(groups);
        if (producerId <= 0 && producerId != NO_PRODUCER) {
            throw new IllegalArgumentException("producer id must be > 0 (or -1 for none), got " + producerId);
        }
    }

    /** A request without the idempotence trailer. */
    public BatchProduceRequest(String topic, Acks acks, List<Group> groups, boolean forwarded) {
        this(topic, acks, groups, forwarded, NO_PRODUCER);
    }

    /** Whether the request carries a producer id (and so a sequence per group). */
    public boolean idempotent() {
        return producerId != NO_PRODUCER;
    }

    /**
     * One group's encoded records: {@code length} bytes of {@code buf} from {@code offset} (the request's own bytes,
     * not a copy: valid as long as the request buffer is).
     */
    public record Group(int partition, int recordCount, byte[] buf, int offset, int length, int firstSequence) {

        /** A group without a sequence. */
        public Group(int partition, int recordCount, byte[] buf, int offset, int length) {
            this(partition, recordCount, buf, offset, length, NO_SEQUENCE);
        }

        public Group withPartition(int p) {
            return new Group(p, recordCount, buf, offset, length, firstSequence);
        }

        Group withSequence(int sequence) {
            return new Group(partition, recordCount, buf, offset, length, sequence);
        }

        /** Decodes the records into the caller's types; keys of length 0 come as null, offsets as -1. */
        public <R, H> List<R> records(RecordFactory<R, H> factory) {
            PayloadReader in = new PayloadReader(buf, offset, length);
            List<R> out = new ArrayList<>(recordCount);
            for (int i = 0; i < recordCount; i++) {
                long timestamp = in.i64("timestamp");
                byte[] key = in.bytes32("key");
                byte[] value = in.bytes32("value");
                int headerCount = in.u16("header_count");
                List<H> headers = headerCount == 0 ? List.of() : new ArrayList<>(headerCount);
                for (int h = 0; h < headerCount; h++) {
                    headers.add(factory.header(in.str16("header name"), in.bytes32("header value")));
                }
                out.add(factory.record(-1, timestamp, key.length == 0 ? null : key, value, headers));
            }
            return out;
        }

        void write(PayloadWriter out) {
            out.i32(partition).u32(recordCount).raw(buf, offset, length);
        }
    }

    public static BatchProduceRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        Acks acks;
        try {
            acks = Acks.fromCode(in.u8("acks"));
        } catch (IllegalArgumentException e) {
            throw new MalformedPayloadException("BATCH_PRODUCE to " + topic + ": " + e.getMessage());
        }
        int n = in.count("groups", GROUP_HEADER_BYTES);
        List<Group> groups = new ArrayList<>(n);
        for (int g = 0; g < n; g++) {
            int partition = in.i32("partition");
            int count = in.count("records", MIN_RECORD_BYTES);
            int start = in.position();
            for (int i = 0; i < count; i++) {
                in.skip(8, "timestamp");
                in.skip(length(in.u32("key length"), in, "key"), "key");
                in.skip(length(in.u32("value length"), in, "value"), "value");
                int headers = in.u16("header_count");
                for (int h = 0; h < headers; h++) {
                    in.skip(in.u16("header name length"), "header name");
                    in.skip(length(in.u32("header value length"), in, "header value"), "header value");
                }
            }
            groups.add(new Group(partition, count, in.array(), start, in.position() - start));
        }
        boolean forwarded = Forwarded.read(in);
        long producerId = NO_PRODUCER;
        if (in.remaining() > 0) {
            producerId = in.i64("producer_id");
            if (producerId <= 0) {
                throw new MalformedPayloadException("BATCH_PRODUCE to " + topic + ": producer id must be > 0, got "
                        + producerId);
            }
            for (int g = 0; g < n; g++) {
                groups.set(g, groups.get(g).withSequence(in.i32("first_sequence")));
            }
        }
        return new BatchProduceRequest(topic, acks, groups, forwarded, producerId);
    }

    private static int length(long len, PayloadReader in, String field) {
        if (len > in.remaining()) {
            throw new MalformedPayloadException("invalid binary format: " + field + " declares " + len
                    + " bytes, " + in.remaining() + " left");
        }
        return (int) len;
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).u8(acks.code()).u32(groups.size());
        for (Group g : groups) {
            g.write(out);
        }
        if (!idempotent()) {
            Forwarded.write(out, forwarded);
            return;
        }
        out.u8(forwarded ? Forwarded.MARKER : 0).i64(producerId);
        for (Group g : groups) {
            out.i32(g.firstSequence());
        }
    }

    @Override
    public int sizeHint() {
        int n = topic.length() * 3 + 17;
        for (Group g : groups) {
            n += GROUP_HEADER_BYTES + 4 + g.length();
        }
        return n;
    }

    /** Bytes a record takes in the request (header names counted at 3 bytes a char, an upper bound). */
    public static int recordSize(byte[] key, byte[] value, int headerCount, int headerNameChars,
                                 int headerValueBytes) {
        return 8 + 4 + (key == null ? 0 : key.length) + 4 + value.length + 2 + headerCount * 6
                + headerNameChars * 3 + headerValueBytes;
    }

    /**
     * Starts a request in {@code out}: then, for each of {@code groupCount} groups, {@link Writer#group}, and for
     * each of its records {@link Writer#record} followed by its headers' {@link Writer#header}; {@link Writer#end}
     * last. The counts given up front are checked as the request is written.
     */
    public static Writer writer(PayloadWriter out, String topic, Acks acks, int groupCount) {
        return new Writer(out, topic, acks, groupCount);
    }

    /** Streams a request into a payload writer (a producer encodes its batches with it, without copies). */
    public static final class Writer {
        private final PayloadWriter out;
        private final int groupCount;
        private int groupsLeft;
        private int recordsLeft;
        private int headersLeft;

        private Writer(PayloadWriter out, String topic, Acks acks, int groupCount) {
            this.out = out;
            this.groupCount = groupCount;
            this.groupsLeft = groupCount;
            out.str16(topic).u8(acks.code()).u32(groupCount);
        }

        public Writer group(int partition, int recordCount) {
            if (recordsLeft != 0 || headersLeft != 0 || groupsLeft-- <= 0) {
                throw new IllegalStateException(state("a group"));
            }
            recordsLeft = recordCount;
            out.i32(partition).u32(recordCount);
            return this;
        }

        /** A record of the current group; a null key is written as length 0 (no key). */
        public Writer record(long timestamp, byte[] key, byte[] value, int headerCount) {
            if (headersLeft != 0 || recordsLeft-- <= 0) {
                throw new IllegalStateException(state("a record"));
            }
            headersLeft = headerCount;
            out.i64(timestamp).bytes32(key).bytes32(value).u16(headerCount);
            return this;
        }

        public Writer header(String name, byte[] value) {
            if (headersLeft-- <= 0) {
                throw new IllegalStateException(state("a header"));
            }
            out.str16(name).bytes32(value);
            return this;
        }

        /** Finishes the request, with the {@link Forwarded} marker when {@code forwarded}. */
        public void end(boolean forwarded) {
            checkComplete();
            Forwarded.write(out, forwarded);
        }

        /**
         * Finishes the request with the idempotence trailer: {@code producerId} and each group's first sequence, in
         * the order the groups were written (the length must be the group count).
         */
        public void endIdempotent(long producerId, int[] firstSequences) {
            checkComplete();
            if (producerId <= 0) {
                throw new IllegalArgumentException("producer id must be > 0, got " + producerId);
            }
            if (firstSequences.length != groupCount) {
                throw new IllegalArgumentException(firstSequences.length + " sequences for " + groupCount + " groups");
            }
            out.u8(0).i64(producerId);
            for (int s : firstSequences) {
                out.i32(s);
            }
        }

        private void checkComplete() {
            if (groupsLeft != 0 || recordsLeft != 0 || headersLeft != 0) {
                throw new IllegalStateException(state("the end"));
            }
        }

        private String state(String what) {
            return "BATCH_PRODUCE writer got " + what + " with " + groupsLeft + " groups, " + recordsLeft
                    + " records and " + headersLeft + " headers still due";
        }
    }
}
