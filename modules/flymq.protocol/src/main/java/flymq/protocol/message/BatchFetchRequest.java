package flymq.protocol.message;

import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * BATCH_FETCH 0xC1 request (extension): {@code str16 topic · u32 max_bytes (per partition, about; 0 = the broker's
 * default) · u32 partition_count · partition_count × (i32 partition · u64 offset) · [u8 forwarded · [u8
 * isolation]]}. Answered with a {@link BatchFetchResponse}.
 *
 * <p>{@code forwarded} is {@link Forwarded#MARKER} or, when an isolation byte follows, 0. {@code isolation}: 0
 * read_committed (also when absent), 1 read_uncommitted: see {@link Isolation}.
 */
public record BatchFetchRequest(String topic, long maxBytes, List<Position> positions, boolean forwarded,
                                Isolation isolation) implements WireMessage {
    public BatchFetchRequest {
        positions = List.copyOf(positions);
        java.util.Objects.requireNonNull(isolation, "isolation");
    }

    /** A read-committed request. */
    public BatchFetchRequest(String topic, long maxBytes, List<Position> positions, boolean forwarded) {
        this(topic, maxBytes, positions, forwarded, Isolation.READ_COMMITTED);
    }

    /**
     * What a fetch may return of transactions (docs/transactions.md). Transaction markers are never messages:
     * readers skip them at either level.
     */
    public enum Isolation {
        /** Only records of committed transactions (and plain ones), up to the partition's last stable offset. */
        READ_COMMITTED,
        /** Every record as appended, also those of open and aborted transactions. */
        READ_UNCOMMITTED;

        /** The request byte. */
        public int code() {
            return ordinal();
        }

        /** The level a request byte names. */
        public static Isolation fromCode(int code) {
            return switch (code) {
                case 0 -> READ_COMMITTED;
                case 1 -> READ_UNCOMMITTED;
                default -> throw new MalformedPayloadException("invalid binary format: unknown isolation level "
                        + code + " (0 read_committed, 1 read_uncommitted)");
            };
        }
    }

    public record Position(int partition, long offset) {
    }

    public static BatchFetchRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        long maxBytes = in.u32("max_bytes");
        int n = in.count("partitions", 12);
        List<Position> positions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            positions.add(new Position(in.i32("partition"), in.u64("offset")));
        }
        boolean forwarded = Forwarded.read(in);
        Isolation isolation = in.hasRemaining() ? Isolation.fromCode(in.u8("isolation")) : Isolation.READ_COMMITTED;
        return new BatchFetchRequest(topic, maxBytes, positions, forwarded, isolation);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).u32(maxBytes).u32(positions.size());
        for (Position p : positions) {
            out.i32(p.partition()).u64(p.offset());
        }
        if (isolation == Isolation.READ_COMMITTED) {
            Forwarded.write(out, forwarded);
        } else {
            out.u8(forwarded ? Forwarded.MARKER : 0).u8(isolation.code());
        }
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 12 + positions.size() * 12;
    }
}
