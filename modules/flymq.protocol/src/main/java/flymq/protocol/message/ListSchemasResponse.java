package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * LIST_SCHEMAS 0x12 response (wire spec 11; Go, Java and Python agree): {@code u32 n · n × (str16 subject · str8 type ·
 * u32 version)}, one entry per live version.
 */
public record ListSchemasResponse(List<Entry> schemas) implements WireMessage {

    public record Entry(String subject, String type, int version) {
    }

    public ListSchemasResponse {
        schemas = List.copyOf(schemas);
    }

    public static ListSchemasResponse read(PayloadReader in) {
        int n = in.count("schemas", 7);
        List<Entry> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(new Entry(in.str16("name"), in.str8("type"), (int) in.u32("version")));
        }
        return new ListSchemasResponse(all);
    }

    @Override
    public void write(PayloadWriter out) {
        out.u32(schemas.size());
        for (Entry e : schemas) {
            out.str16(e.subject()).str8(e.type()).u32(e.version());
        }
    }

    @Override
    public int sizeHint() {
        return 4 + schemas.size() * 48;
    }
}
