package flymq.protocol.message;

import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * PRODUCE_WITH_SCHEMA 0x14 request, in either of the two layouts in use (wire spec 11):
 * <pre>
 *   Go server:         str16 topic · str16 schema · bytes32 data
 *   Java, Python SDK:  str16 topic · bytes32 data · str16 schema
 * </pre>
 * Nothing on the wire says which one a client sent, so both are tried and a layout counts only when it accounts
 * for every byte of the payload exactly and its schema name is non-empty UTF-8. For real payloads at most one does:
 * read as the other layout, a Go payload's schema-name length and first name bytes become a data length of at least
 * 65 536 (name length × 65 536), and an SDK payload's data length becomes a name length, and the lengths then have
 * to add up to the payload size by coincidence. When both fit (crafted payloads, or a coincidence in large
 * records), both readings are kept in {@link #readings()}, SDK layout first: the broker then takes the one whose
 * schema is registered, and the SDK reading when both or neither are.
 *
 * <p>This broker's own client writes the SDK layout ({@link #write}).
 */
public record ProduceWithSchemaRequest(String topic, List<Reading> readings) implements WireMessage {

    /** Which client's field order a reading assumed. */
    public enum Layout { SDK, GO }

    /** One way to read the payload after the topic. */
    public record Reading(String schema, byte[] data, Layout layout) {
    }

    public ProduceWithSchemaRequest {
        readings = List.copyOf(readings);
        if (readings.isEmpty()) {
            throw new IllegalArgumentException("no reading");
        }
    }

    /** A request as this broker's client sends it (SDK layout). */
    public static ProduceWithSchemaRequest of(String topic, byte[] data, String schema) {
        return new ProduceWithSchemaRequest(topic, List.of(new Reading(schema, data, Layout.SDK)));
    }

    /** The reading the broker uses when it has no registry to ask: the SDK one when it fits, else Go's. */
    public Reading first() {
        return readings.getFirst();
    }

    public static ProduceWithSchemaRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        byte[] buf = in.array();
        int start = in.position();
        int end = start + in.remaining();
        List<Reading> readings = new ArrayList<>(2);
        Reading sdk = sdk(buf, start, end);
        if (sdk != null) {
            readings.add(sdk);
        }
        Reading go = go(buf, start, end);
        if (go != null) {
            readings.add(go);
        }
        if (readings.isEmpty()) {
            throw new MalformedPayloadException("invalid binary format: PRODUCE_WITH_SCHEMA to " + topic + ": the "
                    + (end - start) + " bytes after the topic fit neither bytes32 data · str16 schema (SDKs) nor "
                    + "str16 schema · bytes32 data (Go) with a non-empty schema name");
        }
        in.skip(end - start, "PRODUCE_WITH_SCHEMA body");
        return new ProduceWithSchemaRequest(topic, readings);
    }

    private static Reading sdk(byte[] buf, int pos, int end) {
        if (end - pos < 6) {
            return null;
        }
        long dataLen = u32(buf, pos);
        if (dataLen > end - pos - 6) {
            return null;
        }
        int dataStart = pos + 4;
        int nameAt = dataStart + (int) dataLen;
        int nameLen = u16(buf, nameAt);
        if (nameAt + 2 + nameLen != end) {
            return null;
        }
        String name = utf8(buf, nameAt + 2, nameLen);
        if (name == null || name.isEmpty()) {
            return null;
        }
        return new Reading(name, java.util.Arrays.copyOfRange(buf, dataStart, nameAt), Layout.SDK);
    }

    private static Reading go(byte[] buf, int pos, int end) {
        if (end - pos < 6) {
            return null;
        }
        int nameLen = u16(buf, pos);
        if (nameLen > end - pos - 6) {
            return null;
        }
        int lenAt = pos + 2 + nameLen;
        long dataLen = u32(buf, lenAt);
        if (lenAt + 4 + dataLen != end) {
            return null;
        }
        String name = utf8(buf, pos + 2, nameLen);
        if (name == null || name.isEmpty()) {
            return null;
        }
        return new Reading(name, java.util.Arrays.copyOfRange(buf, lenAt + 4, end), Layout.GO);
    }

    private static long u32(byte[] b, int at) {
        return (((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF));
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    /** The bytes as UTF-8, or null when they are not valid UTF-8. */
    private static String utf8(byte[] b, int at, int len) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b, at, len)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    @Override
    public void write(PayloadWriter out) {
        Reading r = first();
        out.str16(topic);
        if (r.layout() == Layout.GO) {
            out.str16(r.schema()).bytes32(r.data());
        } else {
            out.bytes32(r.data()).str16(r.schema());
        }
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + first().schema().length() * 3 + first().data().length + 8;
    }
}
