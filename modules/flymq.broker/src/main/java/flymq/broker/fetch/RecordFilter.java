package flymq.broker.fetch;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The FETCH filter (wire spec 4.6). A record matches when any of these holds:
 * <ol>
 *   <li>the filter starts with {@code $.}, the value starts with '{', parses as JSON, and the dotted path after
 *       {@code $.} names an existing member (object keys only);</li>
 *   <li>the filter is a case-insensitive substring of the value or of the key (UTF-8 text);</li>
 *   <li>the filter does not start with {@code $.}, compiles as a {@link java.util.regex.Pattern} and is found in
 *       the value or the key. A filter that does not compile is simply not used as a regex, as upstream.</li>
 * </ol>
 * Upstream compiles RE2; Java's regex dialect accepts a superset of RE2's common syntax, which is the documented
 * difference. An empty filter matches everything.
 */
public final class RecordFilter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RecordFilter ALL = new RecordFilter("", null, null);

    private final String lowerText;
    private final Pattern regex;
    private final String[] jsonPath;

    private RecordFilter(String lowerText, Pattern regex, String[] jsonPath) {
        this.lowerText = lowerText;
        this.regex = regex;
        this.jsonPath = jsonPath;
    }

    public static RecordFilter compile(String filter) {
        if (filter == null || filter.isEmpty()) {
            return ALL;
        }
        String[] path = null;
        Pattern regex = null;
        if (filter.startsWith("$.")) {
            path = filter.substring(2).split("\\.", -1);
        } else {
            try {
                regex = Pattern.compile(filter);
            } catch (PatternSyntaxException e) {
                regex = null;
            }
        }
        return new RecordFilter(filter.toLowerCase(Locale.ROOT), regex, path);
    }

    public boolean matchesAll() {
        return this == ALL;
    }

    public boolean matches(byte[] key, byte[] value) {
        if (this == ALL) {
            return true;
        }
        if (jsonPath != null && jsonPathExists(value)) {
            return true;
        }
        String v = new String(value, StandardCharsets.UTF_8);
        String k = key == null || key.length == 0 ? "" : new String(key, StandardCharsets.UTF_8);
        if (v.toLowerCase(Locale.ROOT).contains(lowerText) || k.toLowerCase(Locale.ROOT).contains(lowerText)) {
            return true;
        }
        return regex != null && (regex.matcher(v).find() || regex.matcher(k).find());
    }

    private boolean jsonPathExists(byte[] value) {
        int i = 0;
        while (i < value.length && Character.isWhitespace(value[i])) {
            i++;
        }
        if (i >= value.length || value[i] != '{') {
            return false;
        }
        JsonNode node;
        try (JsonParser parser = JSON.createParser(value)) {
            node = JSON.readTree(parser);
        } catch (IOException e) {
            return false;
        }
        for (String segment : jsonPath) {
            if (node == null || !node.isObject() || !node.has(segment)) {
                return false;
            }
            node = node.get(segment);
        }
        return true;
    }
}
