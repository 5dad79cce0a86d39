package flymq.broker.schema;

import flymq.broker.BrokerListener;
import flymq.protocol.RequestException;

/**
 * Produce enforcement ({@code schema.enabled}, {@code schema.validation}): PRODUCE, BATCH_PRODUCE and
 * PRODUCE_WITH_SCHEMA ask it about each record before anything is appended. A topic without a schema costs one hash
 * lookup ({@link SchemaRegistry#bound}); with {@code schema.enabled} false or mode {@code none}, not even that.
 *
 * <p>A refusal names the subject, the version, the id and the first violation:
 * {@code record rejected by schema 'orders-value' version 2 (id 5) for topic orders: /: required property 'id' not
 * found}. In {@code warn} mode the record is counted ({@link BrokerListener#schemaRejected}), handed to
 * {@link RejectedRecords} and stored.
 */
public final class SchemaValidation {
    /** No enforcement at all (schema.enabled false). */
    public static final SchemaValidation OFF = new SchemaValidation(null, ValidationMode.NONE,
            new BrokerListener() { }, RejectedRecords.NONE);

    private final SchemaRegistry registry;
    private final ValidationMode mode;
    private final BrokerListener listener;
    private final RejectedRecords rejected;

    public SchemaValidation(SchemaRegistry registry, ValidationMode mode, BrokerListener listener,
                            RejectedRecords rejected) {
        this.registry = registry;
        this.mode = registry == null ? ValidationMode.NONE : mode;
        this.listener = listener;
        this.rejected = rejected;
    }

    public ValidationMode mode() {
        return mode;
    }

    /**
     * The schema enforced on {@code topic}'s records, or null when there is nothing to check (no schema, or
     * enforcement off): callers skip decoding for a null.
     */
    public SchemaRegistry.Bound enforced(String topic) {
        return mode == ValidationMode.NONE ? null : registry.bound(topic);
    }

    /**
     * Checks one record against {@code bound} (from {@link #enforced}): null when it may be stored (valid, or
     * counted in warn mode), else the refusal text.
     */
    public String refusal(String topic, SchemaRegistry.Bound bound, byte[] key, byte[] value) {
        String violation = bound.schema().firstViolation(value);
        if (violation == null) {
            return null;
        }
        listener.schemaRejected(topic, bound.version().subject(), mode.spelling());
        if (mode == ValidationMode.WARN) {
            rejected.rejected(topic, bound.version(), violation, key, value);
            return null;
        }
        return refusalText(topic, bound.version(), violation);
    }

    /** PRODUCE: refuses (strict) a record that breaks its topic's schema. */
    public void check(String topic, byte[] key, byte[] value) {
        SchemaRegistry.Bound bound = enforced(topic);
        if (bound != null) {
            String refusal = refusal(topic, bound, key, value);
            if (refusal != null) {
                throw new RequestException(refusal);
            }
        }
    }

    /**
     * PRODUCE_WITH_SCHEMA: the record checked against the latest version of the subject the client names, which
     * must exist (with enforcement off, nothing is checked).
     */
    public void checkNamed(String topic, String subject, byte[] value) {
        if (mode == ValidationMode.NONE) {
            return; // as upstream: without enforcement PRODUCE_WITH_SCHEMA is a PRODUCE
        }
        SchemaVersion latest = registry.version(subject, 0).orElseThrow(() -> new RequestException(
                "schema subject '" + subject + "' not found (PRODUCE_WITH_SCHEMA to topic " + topic + ")"));
        String refusal = refusal(topic, new SchemaRegistry.Bound(latest, registry.parsed(latest)), null, value);
        if (refusal != null) {
            throw new RequestException(refusal);
        }
    }

    static String refusalText(String topic, SchemaVersion v, String violation) {
        return "record rejected by schema '" + v.subject() + "' version " + v.version() + " (id " + v.id()
                + ") for topic " + topic + ": " + violation;
    }
}
