package flymq.broker.schema;

import java.util.Arrays;

/**
 * One registered version of a subject: its number within the subject (from 1, never reused while the subject
 * exists), the registry-wide id (the same definition of the same format has one id in every subject, as in
 * Confluent's registry), the format and the definition's bytes as registered, and when it was registered.
 */
public record SchemaVersion(String subject, int version, int id, SchemaFormat format, byte[] definition,
                            long registeredMs) {

    boolean sameDefinition(SchemaFormat f, byte[] d) {
        return format == f && Arrays.equals(definition, d);
    }
}
