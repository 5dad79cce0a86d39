package flymq.protocol;

/**
 * Opcodes of FlyMQ's own protocol extension, in the range 0xC0-0xCF that FlyMQ 1.26 leaves unused. The official
 * SDKs never send them; nothing about the 1.26 opcodes changes. Same framing (8-byte header, structured ERROR).
 *
 * <h2>BATCH_PRODUCE 0xC0</h2>
 * Request:
 * <pre>
 *   str16 topic
 *   u8    acks             {@link Acks#code()}: 0 none, 1 leader, 2 all
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
 * </pre>
 * Response 0xC0, one entry per request group, in request order:
 * <pre>
 *   str16 topic
 *   u32   group_count
 *   group_count × (i32 partition · u64 base_offset · u32 record_count · str16 error)
 * </pre>
 * {@code error} is empty when the group was appended; its records got {@code base_offset .. base_offset+count-1}.
 * A non-empty error concerns only that group (others may have been appended). With acks all the answer waits until
 * the records are durable (single node: the partition log is flushed). Acks none is served like leader, since every
 * request gets an answer; the difference is on the client, whose producer does not wait for that answer.
 * Request-level problems (malformed payload, unknown acks, invalid topic) get an ERROR frame and nothing is
 * appended. An unknown topic is auto-created as a 1.26 PRODUCE would.
 *
 * <h2>BATCH_FETCH 0xC1</h2>
 * Request:
 * <pre>
 *   str16 topic
 *   u32   max_bytes         per partition, about (at least one whole record is returned when one exists)
 *   u32   partition_count
 *   partition_count × (i32 partition · u64 offset)
 * </pre>
 * Response 0xC1: all per-partition headers first, then the record bytes of every partition concatenated in the
 * same order, so that the record bytes can be sent straight from the segment files:
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
 *   tail: the stored record bytes (format of flymq.storage.record.RecordCodec, CRC per record)
 * </pre>
 * Fetching at {@code end_offset} returns no records and no error.
 */
public final class ExtensionOpcodes {
    public static final int BATCH_PRODUCE = 0xC0;
    public static final int BATCH_FETCH = 0xC1;
    /** Cluster join/leave (admin); layout owned by {@code flymq.broker.replication.MembershipChanges}. */
    public static final int CLUSTER_MEMBERSHIP = 0xCE;

    private ExtensionOpcodes() {
    }
}
