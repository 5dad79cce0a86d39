package flymq.broker;

import com.fasterxml.jackson.databind.JsonNode;
import flymq.protocol.Acks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a configuration key holds and which values are valid: how its text (environment variable, flag) and its
 * JSON value (file) become a Java value. {@code expected} says it for people, in error messages and in the
 * "Values" column of docs/configuration.md.
 *
 * @param expected the valid values, e.g. "an integer from 0 to 10000"
 * @param json     the JSON node kinds a file may use for it (others are refused before {@code parse})
 * @param parse    text to value; throws {@link IllegalArgumentException} for an invalid one
 */
record ValueType<T>(String expected, Predicate<JsonNode> json, Function<String, T> parse) {

    static final ValueType<String> TEXT = new ValueType<>("text", JsonNode::isTextual, s -> s);

    static final ValueType<String> ADDRESS = new ValueType<>("`host:port` or `:port`, port 0 to 65535",
            JsonNode::isTextual, ValueType::address);

    /**
     * An address or nothing: upstream writes {@code ""} for the cluster address of a standalone node (its
     * install.sh does); a cluster still needs one.
     */
    static final ValueType<String> ADDRESS_OR_EMPTY = new ValueType<>(
            "`host:port`, `:port` or empty, port 0 to 65535", JsonNode::isTextual,
            s -> s.isEmpty() ? s : address(s));

    static final ValueType<List<String>> LIST = new ValueType<>("a JSON array of strings, or comma-separated text",
            n -> n.isTextual() || n.isArray(), ValueType::list);

    static final ValueType<Boolean> BOOLEAN = new ValueType<>("`true` or `false`", JsonNode::isBoolean, s ->
            switch (s.toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException();
            });

    static final ValueType<Double> RATIO = new ValueType<>("a number from 0 to 1", JsonNode::isNumber, s -> {
        double d = Double.parseDouble(s);
        if (!(d >= 0 && d <= 1)) {
            throw new IllegalArgumentException();
        }
        return d;
    });

    /** Kafka's numeric spellings may come as JSON numbers. */
    static final ValueType<Acks> ACKS = new ValueType<>(Acks.SPELLINGS, n -> n.isTextual() || n.isIntegralNumber(),
            Acks::parse);

    /** The text of the JSON value as parse reads it; arrays become comma-separated text. */
    static String text(JsonNode node) {
        if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(item -> {
                if (!item.isTextual()) {
                    throw new IllegalArgumentException("not a string: " + item);
                }
                items.add(item.asText());
            });
            return String.join(",", items);
        }
        return node.asText();
    }

    static ValueType<Long> longs(long min, long max) {
        String expected = max == Long.MAX_VALUE ? "an integer >= " + min : "an integer from " + min + " to " + max;
        return new ValueType<>(expected, JsonNode::isIntegralNumber, s -> {
            long v = Long.parseLong(s);
            if (v < min || v > max) {
                throw new IllegalArgumentException();
            }
            return v;
        });
    }

    static ValueType<Integer> ints(int min, int max) {
        ValueType<Long> wide = longs(min, max);
        return new ValueType<>(wide.expected(), wide.json(), s -> wide.parse().apply(s).intValue());
    }

    /** One of {@code choices}, in any case; the value is the lower-case choice. */
    static ValueType<String> oneOf(String... choices) {
        Set<String> allowed = Set.of(choices);
        return new ValueType<>("one of " + String.join(", ", Arrays.stream(choices).map(c -> "`" + c + "`").toList()),
                JsonNode::isTextual, s -> {
                    String v = s.toLowerCase(Locale.ROOT);
                    if (!allowed.contains(v)) {
                        throw new IllegalArgumentException();
                    }
                    return v;
                });
    }

    private static String address(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException();
        }
        int port = Integer.parseInt(text.substring(colon + 1));
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException();
        }
        return text;
    }

    private static List<String> list(String text) {
        return text.isEmpty() ? List.of()
                : Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
