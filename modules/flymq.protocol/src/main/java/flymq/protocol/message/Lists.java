package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/** {@code list<str16>} (wire spec section 2), shared by the messages that carry one. */
final class Lists {
    private Lists() {
    }

    static List<String> readStrings(PayloadReader in, String field) {
        int n = in.count(field, 2);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(in.str16(field));
        }
        return List.copyOf(out);
    }

    static void writeStrings(PayloadWriter out, List<String> items) {
        out.strList(items);
    }

    static int size(List<String> items) {
        int n = 4;
        for (String s : items) {
            n += 2 + s.length() * 3;
        }
        return n;
    }
}
