package flymq.broker.dlq;

/**
 * Where a change of the retry holds goes so that it lasts and every node enforces it: a single node applies it to
 * its table and file at once ({@link RetryHoldFile}); a cluster node replicates it through the metadata Raft group,
 * whose state machine applies it on every node. Returns once the change is durable (single node) or committed
 * (cluster).
 */
@FunctionalInterface
public interface RetryHoldLog {
    void record(RetryHolds.Hold change);
}
