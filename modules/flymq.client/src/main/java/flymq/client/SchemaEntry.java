package flymq.client;

/** One live schema version as LIST_SCHEMAS lists it. */
public record SchemaEntry(String subject, String type, int version) {
}
