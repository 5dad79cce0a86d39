package flymq.broker.schema;

import flymq.protocol.RequestException;
import java.util.Locale;

/**
 * The formats a subject's schema can have, with the spellings REGISTER_SCHEMA accepts ({@code json}, {@code avro},
 * {@code protobuf} or {@code proto}, any case; Confluent's {@code JSON}, {@code AVRO}, {@code PROTOBUF} too).
 * Each format's library is touched only when a schema of that format is parsed, so a broker without, say, Avro
 * schemas never loads Avro's classes.
 */
public enum SchemaFormat {
    JSON("json", "JSON"),
    AVRO("avro", "AVRO"),
    PROTOBUF("protobuf", "PROTOBUF");

    private final String wireName;
    private final String confluentName;

    SchemaFormat(String wireName, String confluentName) {
        this.wireName = wireName;
        this.confluentName = confluentName;
    }

    /** How GET/LIST_SCHEMAS and the file name the format. */
    public String wireName() {
        return wireName;
    }

    /** Confluent's {@code schemaType}. */
    public String confluentName() {
        return confluentName;
    }

    public static SchemaFormat fromWire(String type) {
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "json", "jsonschema", "json-schema" -> JSON;
            case "avro" -> AVRO;
            case "protobuf", "proto" -> PROTOBUF;
            default -> throw new RequestException("unsupported schema type: '" + type
                    + "' (expected json, avro or protobuf)");
        };
    }

    /**
     * Parses a definition of this format.
     *
     * @throws InvalidSchemaException naming what is wrong with it
     */
    public ParsedSchema parse(byte[] definition) {
        return switch (this) {
            case JSON -> JsonSchemaDefinition.parse(definition);
            case AVRO -> AvroDefinition.parse(definition);
            case PROTOBUF -> ProtobufDefinition.parse(definition);
        };
    }
}
