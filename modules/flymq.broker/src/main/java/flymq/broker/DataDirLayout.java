package flymq.broker;

import flymq.raft.RaftGroupConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where everything lives under {@code data_dir}: each path is named here and nowhere else.
 *
 * <pre>
 * data_dir/
 *   .lock                            held while a node runs, so that a second broker cannot open the same files
 *   topics.json                      topic definitions (replaced atomically on every change)
 *   schemas.json                     the schema registry of a single node (replaced atomically on every change;
 *                                    a cluster keeps it in the metadata Raft group instead)
 *   security.json                    users (password hashes) and topic ACLs (flymq.broker.auth.SecurityStore;
 *                                    in a cluster the state of the metadata group's security commands)
 *   audit/                           the audit trail (flymq.broker.audit.AuditTrail), unless audit.log_dir:
 *     audit.log, audit-UNIXMS.log    the current file and rotated ones, JSON lines
 *   logs/TOPIC-PARTITION/            partition logs: segments, indexes, recovery checkpoint (flymq.storage)
 *   groups/offsets.log               committed consumer group offsets
 *   delayed/                         records produced with a delay, until they are due (a single node):
 *     MINUTE.delayed, MINUTE.cancelled   one schedule bucket per due minute (flymq.broker.delay.DelayBucket)
 *     state                          delivered-up-to mark and the delivery in flight (DelayedDelivery)
 *     partitions/CREATEINDEX-P/      a cluster replica's schedule of one partition (flymq.broker.delay.PartitionSchedule):
 *       MINUTE.delayed, MINUTE.cancelled  the same buckets, written alike by every replica of the partition
 *   dlq/retry-holds                  the consumer groups' retry holds after a failure (single node only; a cluster
 *                                    keeps them in the metadata Raft group): flymq.broker.dlq.RetryHolds' form
 *   transactions/state.log           open and aborted transactions (flymq.broker.txn.TransactionStore)
 *   tls/                             security.tls_auto_generate only (owner-only directory):
 *     ca.crt, ca.key                 the development CA that signed server.crt (clients trust ca.crt)
 *     server.crt, server.key         the broker's certificate and its key (keys are owner-only files)
 *   raft/                            cluster nodes only:
 *     metadata/                      the metadata group's Raft state (named after its group id)
 *       applied.index                the last metadata log index applied to topics and groups (8 bytes)
 *     partitions/CREATE_INDEX-PARTITION/   one partition group's Raft state (CREATE_INDEX: the metadata log
 *                                    index that created the topic, so a recreated topic starts afresh)
 * </pre>
 *
 * The health check's write probe ({@code flymq.telemetry.health.StorageCheck}) creates and deletes its own file at
 * the top level; the telemetry module knows nothing of this layout and names it itself.
 */
public record DataDirLayout(Path root) {
    public DataDirLayout {
        Objects.requireNonNull(root, "root");
    }

    public Path lockFile() {
        return root.resolve(".lock");
    }

    public Path topicsFile() {
        return root.resolve("topics.json");
    }

    /** Users and topic ACLs ({@code SecurityStore} owns the format). */
    public Path securityFile() {
        return root.resolve("security.json");
    }

    /** The audit trail's JSON-lines files, unless {@code audit.log_dir} puts them elsewhere. */
    public Path auditDir() {
        return root.resolve("audit");
    }

    public Path schemasFile() {
        return root.resolve("schemas.json");
    }

    public Path logsDir() {
        return root.resolve("logs");
    }

    public Path groupsDir() {
        return root.resolve("groups");
    }

    public Path offsetsFile() {
        return groupsDir().resolve("offsets.log");
    }

    public Path delayedDir() {
        return root.resolve("delayed");
    }

    /** A single node's retry holds of the consumer groups (flymq.broker.dlq.RetryHoldFile); a cluster's are in Raft. */
    public Path retryHoldsFile() {
        return root.resolve("dlq").resolve("retry-holds");
    }

    public Path transactionsFile() {
        return root.resolve("transactions").resolve("state.log");
    }

    /** Present once the node has run as a cluster member. */
    public Path raftDir() {
        return root.resolve("raft");
    }

    public Path metadataRaftDir() {
        return raftDir().resolve(RaftGroupConfig.DEFAULT_GROUP_ID);
    }

    public Path metadataAppliedFile() {
        return metadataRaftDir().resolve("applied.index");
    }

    /** The Raft state of one partition group of the topic incarnation created at {@code createIndex}. */
    public Path partitionRaftDir(long createIndex, int partition) {
        return raftDir().resolve("partitions").resolve(createIndex + "-" + partition);
    }

    /** A cluster replica's delayed-delivery schedule of one partition (named like its Raft directory). */
    public Path partitionDelayedDir(long createIndex, int partition) {
        return delayedDir().resolve("partitions").resolve(createIndex + "-" + partition);
    }

    /** Development certificates ({@code security.tls_auto_generate}). */
    public Path tlsDir() {
        return root.resolve("tls");
    }

    public Path tlsCaCertFile() {
        return tlsDir().resolve("ca.crt");
    }

    public Path tlsCaKeyFile() {
        return tlsDir().resolve("ca.key");
    }

    public Path tlsServerCertFile() {
        return tlsDir().resolve("server.crt");
    }

    public Path tlsServerKeyFile() {
        return tlsDir().resolve("server.key");
    }
}
