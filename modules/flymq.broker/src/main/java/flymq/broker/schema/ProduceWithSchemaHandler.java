package flymq.broker.schema;

import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.ProduceRequest;
import flymq.protocol.message.ProduceWithSchemaRequest;

/**
 * PRODUCE_WITH_SCHEMA 0x14: a {@link ProduceWithSchemaRequest} (either field order) answered like PRODUCE, with a
 * RecordMetadata. The record is checked against the latest version of the subject it names
 * ({@link SchemaValidation#checkNamed}), then produced exactly as a keyless PRODUCE with the broker choosing the
 * partition, through the node's PRODUCE handler (so in a cluster it reaches the partition's leader, and the topic's
 * own schema, if it has one, is enforced there too).
 *
 * <p>When the payload fits both layouts, the reading whose schema subject exists wins (the SDK one when both or
 * neither do).
 */
public final class ProduceWithSchemaHandler implements RequestHandler {
    private final SchemaRegistry registry;
    private final SchemaValidation validation;
    private final RequestHandler produce;

    public ProduceWithSchemaHandler(SchemaRegistry registry, SchemaValidation validation, RequestHandler produce) {
        this.registry = registry;
        this.validation = validation;
        this.produce = produce;
    }

    @Override
    public void handle(Session session, PayloadReader in, PayloadWriter out) {
        ProduceWithSchemaRequest request = ProduceWithSchemaRequest.read(in);
        ProduceWithSchemaRequest.Reading reading = request.first();
        for (ProduceWithSchemaRequest.Reading r : request.readings()) {
            if (!registry.versions(r.schema()).isEmpty()) {
                reading = r;
                break;
            }
        }
        validation.checkNamed(request.topic(), reading.schema(), reading.data());
        PayloadWriter produced = new PayloadWriter(reading.data().length + request.topic().length() * 3 + 16);
        new ProduceRequest(request.topic(), null, reading.data(), ProduceRequest.ANY_PARTITION).write(produced);
        byte[] payload = produced.toPayload();
        produce.handle(session, new PayloadReader(payload), out);
    }
}
