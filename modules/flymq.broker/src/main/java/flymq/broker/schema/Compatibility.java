package flymq.broker.schema;

import java.util.List;
import java.util.Locale;

/**
 * A subject's compatibility mode, Confluent Schema Registry's: checked when a new version is registered, against the
 * latest live version or, for the {@code _TRANSITIVE} forms, every live version.
 * <ul>
 *   <li>{@code BACKWARD}: the new schema reads data written with the previous one (consumers upgrade first).</li>
 *   <li>{@code FORWARD}: the previous schema reads data written with the new one (producers upgrade first).</li>
 *   <li>{@code FULL}: both.</li>
 *   <li>{@code NONE}: no check.</li>
 * </ul>
 * Whether one schema reads another's data is the format's own rule ({@link ParsedSchema#readProblems}).
 */
public enum Compatibility {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    /** Parses a mode, any case; {@code null} for an empty text. */
    public static Compatibility parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new flymq.protocol.RequestException("unknown compatibility mode '" + text + "' (expected NONE, "
                    + "BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE)");
        }
    }

    private boolean transitive() {
        return name().endsWith("_TRANSITIVE");
    }

    private boolean backward() {
        return this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    private boolean forward() {
        return this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /**
     * The first breaking change of {@code candidate} against {@code previous} (live versions, oldest first, parsed),
     * as one line naming the version and the change; null when compatible.
     */
    String check(String subject, ParsedSchema candidate, List<Versioned> previous) {
        if (this == NONE || previous.isEmpty()) {
            return null;
        }
        List<Versioned> against = transitive() ? previous.reversed() : List.of(previous.getLast());
        for (Versioned v : against) {
            if (v.schema().format() != candidate.format()) {
                return "schema for subject '" + subject + "' is " + candidate.format().wireName() + ", version "
                        + v.version() + " is " + v.schema().format().wireName() + ": " + this
                        + " compatibility needs the same format (or compatibility NONE)";
            }
            if (backward()) {
                List<String> problems = candidate.readProblems(v.schema());
                if (!problems.isEmpty()) {
                    return "schema for subject '" + subject + "' is not " + this + " compatible with version "
                            + v.version() + ": the new schema cannot read data written with version " + v.version()
                            + ": " + problems.getFirst();
                }
            }
            if (forward()) {
                List<String> problems = v.schema().readProblems(candidate);
                if (!problems.isEmpty()) {
                    return "schema for subject '" + subject + "' is not " + this + " compatible with version "
                            + v.version() + ": version " + v.version() + " cannot read data written with the new "
                            + "schema: " + problems.getFirst();
                }
            }
        }
        return null;
    }

    /** A live version with its parsed schema. */
    record Versioned(int version, ParsedSchema schema) {
    }
}
