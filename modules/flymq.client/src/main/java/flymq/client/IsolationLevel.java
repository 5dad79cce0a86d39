package flymq.client;

import flymq.protocol.message.BatchFetchRequest;

/**
 * What a fetch returns of transactions, as Kafka's {@code isolation.level}. Transaction markers are never messages
 * at either level.
 */
public enum IsolationLevel {
    /** Records of committed transactions and plain records, up to each partition's last stable offset (default). */
    READ_COMMITTED,
    /** Every record as appended, also records of open and aborted transactions. */
    READ_UNCOMMITTED;

    BatchFetchRequest.Isolation wire() {
        return this == READ_COMMITTED ? BatchFetchRequest.Isolation.READ_COMMITTED
                : BatchFetchRequest.Isolation.READ_UNCOMMITTED;
    }
}
