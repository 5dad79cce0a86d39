package flymq.protocol.message;

import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * BATCH_FETCH 0xC1 response (extension). All per-partition headers come first, then a tail: the record bytes of
 * every partition concatenated in the same order, so that a broker can send them straight from its segment files.
 * <pre>
 *   str16 topic
 *   u32   partition_count
 *   partition_count ×
 *     i32   partition
 *     str16 error            empty = ok (e.g. "offset 9 out of range [0, 5) for orders-0")
 *     u64   start_offset     first retained offset
 *     u64   end_offset       next offset to be written
 *     u32   record_count
 *     u32   byte_length      bytes of this partition's records in the tail
 *   tail: the stored record bytes ({@link flymq.protocol.record.StoredRecordLayout}, CRC per record)
 * </pre>
 * This record is the header part: {@link #write} writes the headers only, and the writer appends the tail after it
 * (a broker adds its log slices to the frame's tail, sent with {@code FileChannel.transferTo}; a node merging
 * answers appends the bytes). {@link #read} reads the headers, checks that the tail holds exactly the bytes they
 * announce, and leaves the reader at the start of the tail. Fetching at {@code end_offset} returns no records and
 * no error.
 */
public record BatchFetchResponse(String topic, List<PartitionHeader> partitions) implements WireMessage {
    /** Bytes of a partition header with an empty error. */
    public static final int MIN_PARTITION_HEADER_BYTES = 4 + 2 + 8 + 8 + 4 + 4;

    public BatchFetchResponse {
        partitions = List.copyOf(partitions);
    }

    public record PartitionHeader(int partition, String error, long startOffset, long endOffset, int recordCount,
                                  int byteLength) {
        public PartitionHeader {
            error = error == null ? "" : error;
        }

        /** A partition that answers only with an error (no records). */
        public static PartitionHeader failed(int partition, String error) {
            return new PartitionHeader(partition, error, 0, 0, 0, 0);
        }
    }

    /** Bytes of the headers with an empty error per partition, for a writer that keeps the frame under its limit. */
    public static long headerBytes(String topic, int partitionCount) {
        return 2L + topic.length() * 3L + 4 + (long) partitionCount * MIN_PARTITION_HEADER_BYTES;
    }

    /** Reads the headers; the reader is then at the tail, which holds exactly {@link #tailBytes} bytes. */
    public static BatchFetchResponse read(PayloadReader in) {
        return read(in, true);
    }

    /**
     * Reads the headers of an answer whose tail is not in {@code in} (a broker's own answer, whose record bytes are
     * still log slices to be sent behind it).
     */
    public static BatchFetchResponse readHeaders(PayloadReader in) {
        return read(in, false);
    }

    private static BatchFetchResponse read(PayloadReader in, boolean withTail) {
        String topic = in.str16("topic");
        int n = in.count("partitions", MIN_PARTITION_HEADER_BYTES);
        List<PartitionHeader> partitions = new ArrayList<>(n);
        long total = 0;
        for (int i = 0; i < n; i++) {
            int partition = in.i32("partition");
            String error = in.str16("error");
            long start = in.u64("start_offset");
            long end = in.u64("end_offset");
            int count = in.i32("record_count");
            long length = in.u32("byte_length");
            total += length;
            if (withTail && total > in.remaining()) {
                throw new MalformedPayloadException("invalid binary format: BATCH_FETCH headers announce at least "
                        + total + " record bytes, " + in.remaining() + " left");
            }
            partitions.add(new PartitionHeader(partition, error, start, end, count, (int) length));
        }
        if (withTail && total != in.remaining()) {
            throw new MalformedPayloadException("invalid binary format: BATCH_FETCH headers announce " + total
                    + " record bytes, the tail has " + in.remaining());
        }
        return new BatchFetchResponse(topic, partitions);
    }

    /** Record bytes announced by the headers: the length of the tail. */
    public long tailBytes() {
        long total = 0;
        for (PartitionHeader p : partitions) {
            total += p.byteLength();
        }
        return total;
    }

    /** Writes the headers; the caller appends the tail. */
    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).u32(partitions.size());
        for (PartitionHeader p : partitions) {
            out.i32(p.partition()).str16(p.error()).u64(p.startOffset()).u64(p.endOffset()).u32(p.recordCount())
                    .u32(p.byteLength());
        }
    }

    @Override
    public int sizeHint() {
        return (int) headerBytes(topic, partitions.size()) + 64;
    }
}
