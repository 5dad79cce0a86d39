package flymq.client;

/** What REGISTER_SCHEMA answered: the subject's version that holds the definition, and its registry-wide id. */
public record SchemaRegistration(String subject, String type, int version, int id) {
}
