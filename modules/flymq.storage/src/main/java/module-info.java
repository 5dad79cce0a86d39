/**
 * Append-only, segmented partition logs and small durable state stores. Knows nothing of the broker; reads and
 * writes records in the stored-record layout of {@code flymq.protocol} (the one module edge storage -> protocol:
 * BATCH_FETCH sends these bytes to clients as they lie in the segment files, so the layout is the protocol's).
 */
module flymq.storage {
    requires flymq.protocol;

    exports flymq.storage;
}
