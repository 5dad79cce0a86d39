package flymq.client;

/**
 * One registered schema version (GET_SCHEMA): registry-wide id, subject, version, format ({@code json},
 * {@code avro}, {@code protobuf}), the definition as registered and the subject's compatibility mode.
 */
public record SchemaInfo(String id, String subject, int version, String type, byte[] definition,
                         String compatibility) {
}
