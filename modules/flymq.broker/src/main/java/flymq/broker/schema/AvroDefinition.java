package flymq.broker.schema;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * An Avro schema (the JSON schema text, {@code .avsc}), parsed by Apache Avro. A record is one datum in Avro's
 * binary encoding, nothing around it (no container file, no Confluent magic byte and id): it is valid when Avro's
 * {@link GenericDatumReader} decodes it with this schema and no byte is left over.
 *
 * <p>Compatibility is Avro's own {@link SchemaCompatibility#checkReaderWriterCompatibility}: each incompatibility it
 * reports becomes one problem, with its location in the schema.
 *
 * <p>A crafted record can announce an array or map of a billion zero-byte items; Avro caps collection sizes by the
 * system property {@value #COLLECTION_LIMIT} (read once, when Avro first loads), which this class sets, unless the
 * operator did, to {@value #MAX_COLLECTION_ITEMS} items before Avro is touched.
 */
final class AvroDefinition implements ParsedSchema {
    static final String COLLECTION_LIMIT = "org.apache.avro.limits.collectionItems.maxLength";
    static final int MAX_COLLECTION_ITEMS = 4 * 1024 * 1024;

    static {
        if (System.getProperty(COLLECTION_LIMIT) == null) {
            System.setProperty(COLLECTION_LIMIT, Integer.toString(MAX_COLLECTION_ITEMS));
        }
    }

    private final Schema schema;
    private final GenericDatumReader<Object> reader;

    private AvroDefinition(Schema schema) {
        this.schema = schema;
        this.reader = new GenericDatumReader<>(schema);
    }

    static AvroDefinition parse(byte[] definition) {
        try {
            return new AvroDefinition(new Schema.Parser().parse(new String(definition, StandardCharsets.UTF_8)));
        } catch (RuntimeException e) { // SchemaParseException mostly; any other refusal of the library alike
            throw new InvalidSchemaException("invalid Avro schema: " + e.getMessage());
        }
    }

    Schema schema() {
        return schema;
    }

    @Override
    public SchemaFormat format() {
        return SchemaFormat.AVRO;
    }

    @Override
    public List<String> violations(byte[] record, int max) {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(record, null);
        try {
            reader.read(null, decoder);
            if (!decoder.isEnd()) {
                return List.of("Avro " + schema.getFullName() + ": " + (record.length - consumed(decoder, record))
                        + " bytes left after the datum (" + record.length + " bytes in all)");
            }
            return List.of();
        } catch (IOException | RuntimeException e) {
            // EOFException for a truncated datum, AvroRuntimeException for a bad union index or enum symbol, ...
            return List.of("Avro " + schema.getFullName() + ": not a datum of this schema in Avro binary encoding ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    private static int consumed(BinaryDecoder decoder, byte[] record) {
        try {
            return record.length - decoder.inputStream().available();
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public List<String> readProblems(ParsedSchema writer) {
        Schema written = ((AvroDefinition) writer).schema;
        SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(schema, written);
        if (result.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        for (SchemaCompatibility.Incompatibility i : result.getResult().getIncompatibilities()) {
            problems.add(i.getType() + " at " + i.getLocation() + ": " + i.getMessage());
        }
        if (problems.isEmpty()) {
            problems.add(result.getDescription());
        }
        return problems;
    }
}
