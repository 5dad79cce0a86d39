package flymq.telemetry;

/**
 * The seven traced operations of the observability guide, with the span name each produces and the OpenTelemetry
 * messaging {@code messaging.operation.type} it reports (empty for internal operations that are not messaging).
 */
public enum TraceOp {
    PRODUCE("flymq.produce", "send", true),
    CONSUME("flymq.consume", "receive", true),
    FETCH("flymq.fetch", "receive", true),
    COMMIT("flymq.commit", "settle", false),
    /** One transaction, from BEGIN_TX to its commit, abort or timeout. */
    TRANSACTION("flymq.transaction", "", false),
    STORAGE_APPEND("flymq.storage.append", "", false),
    STORAGE_READ("flymq.storage.read", "", false),
    RAFT_APPEND_ENTRIES("flymq.raft.append_entries", "", false);

    private final String spanName;
    private final String operationType;
    private final boolean remoteEntry;

    TraceOp(String spanName, String operationType, boolean remoteEntry) {
        this.spanName = spanName;
        this.operationType = operationType;
        this.remoteEntry = remoteEntry;
    }

    public String spanName() {
        return spanName;
    }

    /** {@code send}, {@code receive}, {@code settle}, or empty. */
    public String operationType() {
        return operationType;
    }

    /** A client request enters the broker here (a server span), rather than work inside one (internal). */
    public boolean remoteEntry() {
        return remoteEntry;
    }
}
