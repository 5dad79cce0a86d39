package flymq.broker.schema;

import flymq.broker.server.Session;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.DeleteSchemaResponse;
import flymq.protocol.message.GetSchemaResponse;
import flymq.protocol.message.ListSchemasRequest;
import flymq.protocol.message.ListSchemasResponse;
import flymq.protocol.message.RegisterSchemaRequest;
import flymq.protocol.message.RegisterSchemaResponse;
import flymq.protocol.message.SchemaVersionRequest;
import flymq.protocol.message.ValidateSchemaRequest;
import flymq.protocol.message.ValidateSchemaResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The schema registry opcodes (wire spec 11), each a message of {@code flymq.protocol.message}:
 * REGISTER_SCHEMA 0x10, GET_SCHEMA 0x11, LIST_SCHEMAS 0x12, VALIDATE_SCHEMA 0x13 and DELETE_SCHEMA 0x15 (0x14 is
 * {@link ProduceWithSchemaHandler}). Reads are served from this node's registry; changes go through
 * {@link SchemaChanges} (in a cluster: the metadata group). The registry works whatever {@code schema.enabled} says,
 * as upstream's: that key only turns produce enforcement on.
 */
public final class SchemaRequests {
    /** Most violations VALIDATE_SCHEMA reports. */
    static final int MAX_REPORTED = 10;

    private final SchemaRegistry registry;
    private final SchemaChanges changes;
    private final LongSupplier clock;

    public SchemaRequests(SchemaRegistry registry, SchemaChanges changes) {
        this(registry, changes, System::currentTimeMillis);
    }

    SchemaRequests(SchemaRegistry registry, SchemaChanges changes, LongSupplier clock) {
        this.registry = registry;
        this.changes = changes;
        this.clock = clock;
    }

    /** REGISTER_SCHEMA 0x10: a {@link RegisterSchemaRequest} → {@link RegisterSchemaResponse}. */
    public void register(Session session, PayloadReader in, PayloadWriter out) {
        RegisterSchemaRequest r = RegisterSchemaRequest.read(in);
        SchemaFormat format = SchemaFormat.fromWire(r.type());
        Compatibility mode = Compatibility.parse(r.compatibility());
        SchemaChange.Register change = new SchemaChange.Register(r.subject(), format, r.definition(), mode,
                clock.getAsLong(), registry.defaultCompatibility());
        byte[] answer = changes.submit(change, "register schema subject " + r.subject(), r.forwarded(),
                new RegisterSchemaRequest(r.subject(), r.type(), r.definition(), mode == null ? "" : mode.name(),
                        true), Opcodes.REGISTER_SCHEMA);
        if (answer != null) {
            out.raw(answer, 0, answer.length);
            return;
        }
        SchemaVersion v = registry.versions(r.subject()).stream()
                .filter(x -> x.sameDefinition(format, r.definition())).findFirst()
                .orElseThrow(() -> new RequestException("schema subject '" + r.subject()
                        + "' was registered but is gone again (deleted meanwhile)"));
        new RegisterSchemaResponse(r.subject(), r.type(), v.version(), v.id()).write(out);
    }

    /** GET_SCHEMA 0x11: a {@link SchemaVersionRequest} (version 0 = latest) → {@link GetSchemaResponse}. */
    public void get(Session session, PayloadReader in, PayloadWriter out) {
        SchemaVersionRequest r = SchemaVersionRequest.read(in);
        SchemaVersion v = require(r.subject(), r.version());
        new GetSchemaResponse(Integer.toString(v.id()), v.subject(), v.version(), v.format().wireName(),
                v.definition(), registry.compatibility(v.subject()).name()).write(out);
    }

    /** LIST_SCHEMAS 0x12: a {@link ListSchemasRequest} → {@link ListSchemasResponse}, one entry per live version. */
    public void list(Session session, PayloadReader in, PayloadWriter out) {
        ListSchemasRequest r = ListSchemasRequest.read(in);
        List<ListSchemasResponse.Entry> entries = new ArrayList<>();
        for (SchemaVersion v : registry.list(r.filter())) {
            entries.add(new ListSchemasResponse.Entry(v.subject(), v.format().wireName(), v.version()));
        }
        new ListSchemasResponse(entries).write(out);
    }

    /**
     * VALIDATE_SCHEMA 0x13: a {@link ValidateSchemaRequest} → {@link ValidateSchemaResponse} against the subject's
     * latest version, with up to {@value #MAX_REPORTED} violations; an unknown subject is {@code valid = false} with
     * that as its error (as upstream).
     */
    public void validate(Session session, PayloadReader in, PayloadWriter out) {
        ValidateSchemaRequest r = ValidateSchemaRequest.read(in);
        SchemaVersion v = registry.version(r.subject(), 0).orElse(null);
        if (v == null) {
            new ValidateSchemaResponse(false, List.of("schema subject '" + r.subject() + "' not found")).write(out);
            return;
        }
        List<String> violations = registry.parsed(v).violations(r.message(), MAX_REPORTED);
        new ValidateSchemaResponse(violations.isEmpty(), violations).write(out);
    }

    /**
     * DELETE_SCHEMA 0x15: a {@link SchemaVersionRequest} (version 0 = every version of the subject) →
     * {@link DeleteSchemaResponse}.
     */
    public void delete(Session session, PayloadReader in, PayloadWriter out) {
        SchemaVersionRequest r = SchemaVersionRequest.read(in);
        require(r.subject(), r.version());
        String what = r.version() == 0 ? "every version of schema subject " + r.subject()
                : "version " + r.version() + " of schema subject " + r.subject();
        byte[] answer = changes.submit(new SchemaChange.Delete(r.subject(), r.version()), "delete " + what,
                r.forwarded(), new SchemaVersionRequest(r.subject(), r.version(), true), Opcodes.DELETE_SCHEMA);
        if (answer != null) {
            out.raw(answer, 0, answer.length);
            return;
        }
        new DeleteSchemaResponse(true, "deleted " + what).write(out);
    }

    private SchemaVersion require(String subject, int version) {
        if (registry.versions(subject).isEmpty()) {
            throw new RequestException("schema subject '" + subject + "' not found");
        }
        return registry.version(subject, version).orElseThrow(() -> new RequestException("version " + version
                + " of schema subject '" + subject + "' not found (versions " + registry.versions(subject).stream()
                .map(SchemaVersion::version).toList() + ")"));
    }
}
