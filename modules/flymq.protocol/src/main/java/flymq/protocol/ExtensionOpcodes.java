package flymq.protocol;

/**
 * Opcodes of FlyMQ's own protocol extension, in the range 0xC0-0xCF that FlyMQ 1.26 leaves unused. The official
 * SDKs never send them; nothing about the 1.26 opcodes changes. Same framing (8-byte header, structured ERROR).
 * Each one's layout is written once, in its message types in {@code flymq.protocol.message}:
 * <ul>
 *   <li>BATCH_PRODUCE 0xC0: {@code BatchProduceRequest}, {@code BatchProduceResponse}</li>
 *   <li>BATCH_FETCH 0xC1: {@code BatchFetchRequest}, {@code BatchFetchResponse} (headers, then the stored record
 *       bytes as a tail)</li>
 *   <li>BATCH_PRODUCE_TX 0xC2: {@code BatchProduceTxRequest} (a transaction id, then a BATCH_PRODUCE body),
 *       {@code BatchProduceResponse}</li>
 *   <li>TXN_COMMIT_OFFSET 0xC3: {@code TxnCommitOffsetRequest}, {@code SuccessResponse}</li>
 *   <li>ALTER_TOPIC 0xC4 (admin): {@code AlterTopicRequest}, {@code SuccessResponse}</li>
 *   <li>CREATE_PARTITIONS 0xC5 (admin): {@code CreatePartitionsRequest}, {@code SuccessResponse}</li>
 *   <li>TXN_FORWARD 0xC6 (cluster-internal, admin): {@code TxnForwardRequest}; answered with whatever the wrapped
 *       transaction request answers: a transaction request a node forwards to the cluster's transaction
 *       coordinator (the metadata leader), served there and never forwarded again</li>
 *   <li>TXN_APPEND 0xC7 (cluster-internal, admin): {@code TxnAppendRequest}, {@code TxnAppendResponse}: the
 *       coordinator's transactional records or markers for a partition another node leads</li>
 *   <li>DLQ_NACK 0xC8: {@code NackRequest}, {@code NackResponse}</li>
 *   <li>PARTITION_REASSIGN 0xC9 (admin): {@code PartitionReassignRequest}, {@code SuccessResponse}</li>
 *   <li>REASSIGNMENTS 0xCA: {@code EmptyRequest}, {@code ReassignmentsResponse}</li>
 *   <li>CLUSTER_BALANCE 0xCB (admin): {@code ClusterBalanceRequest}, {@code ClusterBalanceResponse}</li>
 *   <li>DELAYED_ENTRIES 0xCC (cluster-internal, admin): {@code DelayedEntriesRequest},
 *       {@code DelayedEntriesResponse}: delayed-delivery schedule entries a partition replica that installed a
 *       snapshot copies from the partition's leader</li>
 *   <li>SECURITY_CHANGE 0xCD (cluster-internal): {@code SecurityChangeRequest}, {@code SuccessResponse}: a user or
 *       ACL change a node forwards to the metadata leader, which commits it through the metadata Raft group</li>
 *   <li>CLUSTER_MEMBERSHIP 0xCE: {@code MembershipRequest}, {@code MembershipResponse}</li>
 *   <li>CLUSTER_REGISTER 0xCF (cluster-internal): {@code RegisterNodeRequest}, {@code SuccessResponse}</li>
 * </ul>
 *
 * <p>BATCH_PRODUCE's acks byte is {@link Acks#code()}. It answers per group: a non-empty error concerns only that group
 * (others may have been appended). With acks all the answer waits until the records are durable (single node: the
 * partition log is flushed). Acks none is served like leader, since every request gets an answer; the difference is on
 * the client, whose producer does not wait for that answer. Request-level problems (malformed payload, unknown acks,
 * invalid topic) get an ERROR frame and nothing is appended. An unknown topic is auto-created as a 1.26 PRODUCE would.
 */
public final class ExtensionOpcodes {
    public static final int BATCH_PRODUCE = 0xC0;
    public static final int BATCH_FETCH = 0xC1;
    /** BATCH_PRODUCE inside a transaction begun with BEGIN_TX 0x40. */
    public static final int BATCH_PRODUCE_TX = 0xC2;
    /** A consumer group offset commit inside a transaction (consume-transform-produce). */
    public static final int TXN_COMMIT_OFFSET = 0xC3;
    /** Changes an existing topic's settings (retention, segments, TTL). */
    public static final int ALTER_TOPIC = 0xC4;
    /** Grows a topic's partition count (admin; Kafka's CreatePartitions). */
    public static final int CREATE_PARTITIONS = 0xC5;
    /** A transaction request forwarded to the transaction coordinator (cluster-internal, admin). */
    public static final int TXN_FORWARD = 0xC6;
    /** The transaction coordinator appends to a partition another node leads (cluster-internal, admin). */
    public static final int TXN_APPEND = 0xC7;
    /** A consumer reports that it failed a record: retried, or dead-lettered after dlq.max_retries (docs/dlq.md). */
    public static final int DLQ_NACK = 0xC8;
    /** Moves a partition's replicas to other nodes, or cancels such a move. */
    public static final int PARTITION_REASSIGN = 0xC9;
    /** The partition reassignments in progress. */
    public static final int REASSIGNMENTS = 0xCA;
    /** Rebalance plan and execution, drain of a node, preferred-leader election. */
    public static final int CLUSTER_BALANCE = 0xCB;
    /** Delayed-delivery schedule entries a replica copies from its partition's leader (cluster-internal, admin). */
    public static final int DELAYED_ENTRIES = 0xCC;
    /** A user or ACL change forwarded to the metadata leader (cluster-internal, admin). */
    public static final int SECURITY_CHANGE = 0xCD;
    /** Cluster join/leave (admin). */
    public static final int CLUSTER_MEMBERSHIP = 0xCE;
    /** A node announcing its client address to the metadata leader (cluster-internal). */
    public static final int CLUSTER_REGISTER = 0xCF;

    private ExtensionOpcodes() {
    }
}
