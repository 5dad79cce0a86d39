package flymq.broker;

import com.fasterxml.jackson.databind.JsonNode;
import flymq.protocol.Acks;
import java.util.List;
import java.util.Locale;

/**
 * One configuration key, declared once: everything that reads it (the file, {@code FLYMQ_*} variables, flags), checks
 * it and documents it (the tables of docs/configuration.md, kept equal by ConfigurationDocTest) uses this.
 *
 * <p>A key without a type is upstream FlyMQ's, accepted so that upstream configuration files start this broker, and
 * not acted on: giving it produces a warning that says so ({@code doc}), never an error, whatever its value.
 *
 * @param path         dotted path; nested JSON objects in the file ({@code {"performance": {"acks": "all"}}})
 * @param type         valid values and how to read them; null for an ignored upstream key
 * @param defaultValue the value when no source gives one (null for ignored keys)
 * @param shownDefault how the documentation shows the default when the value alone says too little, else null
 * @param doc          one line: what the key does, or for an ignored key why it is ignored
 */
record ConfigKey<T>(String path, ValueType<T> type, T defaultValue, String shownDefault, String doc) {
    private static final String ENV_PREFIX = "FLYMQ_";

    static <T> ConfigKey<T> used(String path, ValueType<T> type, T defaultValue, String doc) {
        return new ConfigKey<>(path, type, defaultValue, null, doc);
    }

    static ConfigKey<Void> ignored(String path, String why) {
        return new ConfigKey<>(path, null, null, null, why);
    }

    ConfigKey<T> shownAs(String shown) {
        return new ConfigKey<>(path, type, defaultValue, shown, doc);
    }

    boolean isUsed() {
        return type != null;
    }

    /** {@code FLYMQ_} + the path upper-cased with dots as underscores; ignored keys are not read from the environment. */
    String envName() {
        return isUsed() ? ENV_PREFIX + path.toUpperCase(Locale.ROOT).replace('.', '_') : null;
    }

    /** The default as docs/configuration.md shows it. */
    String defaultForDocs() {
        if (shownDefault != null) {
            return shownDefault;
        }
        if (defaultValue instanceof List<?> list) {
            return "`" + list + "`";
        }
        if (defaultValue instanceof Acks acks) {
            return "`" + acks.spelling() + "`";
        }
        String text = String.valueOf(defaultValue);
        return text.isEmpty() ? "`\"\"`" : "`" + text + "`";
    }

    T parse(String text, String source) {
        String trimmed = text.trim();
        try {
            return type.parse().apply(trimmed);
        } catch (IllegalArgumentException e) {
            throw invalid(source, trimmed);
        }
    }

    T parse(JsonNode node, String source) {
        if (!type.json().test(node)) {
            throw invalid(source, node.toString());
        }
        String text;
        try {
            text = ValueType.text(node);
        } catch (IllegalArgumentException e) {
            throw invalid(source, node.toString());
        }
        return parse(text, source);
    }

    private ConfigException invalid(String source, String found) {
        return new ConfigException("invalid value for '" + path + "' (" + source + "): expected "
                + type.expected().replace("`", "") + ", found '" + found + "'");
    }
}
