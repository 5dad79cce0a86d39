package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.List;

/**
 * AUDIT_QUERY 0x80 request (wire spec section 11): {@code i64 start_s · i64 end_s · list<str16> types ·
 * str16 user · str16 resource · str16 result · str16 search · i32 limit · i32 offset}. Zero times, empty strings
 * and an empty type list do not filter; {@code search} matches any text field, ignoring case; a limit of 0 or less
 * takes the server's default page size.
 */
public record AuditQueryRequest(long startSeconds, long endSeconds, List<String> types, String user,
                                String resource, String result, String search, int limit, int offset)
        implements WireMessage {
    /** Everything, first page. */
    public static final AuditQueryRequest ALL = new AuditQueryRequest(0, 0, List.of(), "", "", "", "", 0, 0);

    public AuditQueryRequest {
        types = List.copyOf(types);
    }

    public static AuditQueryRequest read(PayloadReader in) {
        return new AuditQueryRequest(in.i64("start_time"), in.i64("end_time"), Lists.readStrings(in, "types"),
                in.str16("user"), in.str16("resource"), in.str16("result"), in.str16("search"), in.i32("limit"),
                in.i32("offset"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.i64(startSeconds).i64(endSeconds);
        Lists.writeStrings(out, types);
        out.str16(user).str16(resource).str16(result).str16(search).i32(limit).i32(offset);
    }

    @Override
    public int sizeHint() {
        return 32 + Lists.size(types) + (user.length() + resource.length() + result.length() + search.length()) * 3;
    }
}
