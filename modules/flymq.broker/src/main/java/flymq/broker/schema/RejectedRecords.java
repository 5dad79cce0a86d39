package flymq.broker.schema;

/**
 * Where a record goes that breaks its topic's schema in {@code warn} mode, after it was counted and before it is
 * stored as it is: the seam for dead-lettering it (a DLQ implementation registers here; the default does nothing).
 * Called on the request thread; must not block for long.
 */
@FunctionalInterface
public interface RejectedRecords {
    RejectedRecords NONE = (topic, version, violation, key, value) -> { };

    void rejected(String topic, SchemaVersion version, String violation, byte[] key, byte[] value);
}
