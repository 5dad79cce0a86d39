/** Append-only, segmented partition logs and small durable state stores. Knows nothing of the broker. */
module flymq.storage {
    exports flymq.storage;
}
