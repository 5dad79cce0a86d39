package flymq.broker.schema;

import java.util.Locale;

/**
 * {@code schema.validation}, as upstream: what produce enforcement does with a record that breaks its topic's schema.
 * {@code strict} refuses it, {@code warn} counts it ({@code flymq_schema_validation_failures_total}) and stores it,
 * {@code none} does not look.
 */
public enum ValidationMode {
    STRICT, WARN, NONE;

    public static ValidationMode parse(String text) {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }

    public String spelling() {
        return name().toLowerCase(Locale.ROOT);
    }
}
