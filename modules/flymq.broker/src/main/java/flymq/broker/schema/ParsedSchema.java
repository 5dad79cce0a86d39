package flymq.broker.schema;

import java.util.List;

/** A parsed schema definition of one {@link SchemaFormat}: validates records and judges evolution. */
public interface ParsedSchema {

    SchemaFormat format();

    /**
     * The first {@code max} ways {@code record} breaks this schema; empty when it is valid. Each entry names
     * where (a JSON pointer, an Avro or Protobuf field path) and what.
     */
    List<String> violations(byte[] record, int max);

    /** The first violation, or null when {@code record} is valid: what produce enforcement uses. */
    default String firstViolation(byte[] record) {
        List<String> v = violations(record, 1);
        return v.isEmpty() ? null : v.getFirst();
    }

    /**
     * Why this schema, as the reader, cannot read every record written with {@code writer} (of the same format);
     * empty when it can. Each entry names the breaking change.
     */
    List<String> readProblems(ParsedSchema writer);
}
