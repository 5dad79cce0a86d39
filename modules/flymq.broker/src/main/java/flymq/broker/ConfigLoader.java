package flymq.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the sources of a configuration by the declared keys: defaults, then the JSON file, the environment and the
 * flags, each over the one before. What is refused and what only warns:
 * <ul>
 *   <li>a key this broker uses, with a value of the wrong type or out of range: {@link ConfigException};</li>
 *   <li>an upstream FlyMQ key this broker does not act on ({@link UpstreamKeys}): a warning, whatever its value;</li>
 *   <li>an unknown key inside a section that only upstream keys live in ({@code auth}, {@code grpc}, ...): a
 *       warning, since upstream may add keys there and the section is ignored as a whole;</li>
 *   <li>any other unknown key, at the top level or in a section this broker uses ({@code performance},
 *       {@code observability.tracing}, ...): {@link ConfigException}, because it is most likely a typo of a key
 *       that would otherwise silently keep its default.</li>
 * </ul>
 * Names starting with {@code _} are comments, skipped without a word at any level (upstream's install.sh writes
 * {@code _comment} and {@code _mode}; the same prefix turns a key off). The environment is read only for used keys
 * ({@code FLYMQ_*} variables of launch scripts are not ours to judge).
 */
final class ConfigLoader {
    private final List<ConfigKey<?>> used;
    private final Map<String, ConfigKey<?>> byPath = new HashMap<>();
    /** Every proper prefix of a declared path ("observability", "observability.tracing"). */
    private final Set<String> sections = new HashSet<>();
    /** Sections holding at least one used key; the top level ("") always does. */
    private final Set<String> usedSections = new HashSet<>();

    /** The values of every used key, and the warnings. */
    record Loaded(Map<ConfigKey<?>, Object> values, List<String> warnings) {
        @SuppressWarnings("unchecked")
        <T> T get(ConfigKey<T> key) {
            return (T) values.get(key);
        }
    }

    ConfigLoader(List<ConfigKey<?>> used, List<ConfigKey<Void>> ignored) {
        this.used = used;
        List<ConfigKey<?>> all = new ArrayList<>(used);
        all.addAll(ignored);
        for (ConfigKey<?> key : all) {
            if (byPath.put(key.path(), key) != null) {
                throw new IllegalStateException("configuration key " + key.path() + " declared twice");
            }
            String path = key.path();
            for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) {
                sections.add(path.substring(0, dot));
                if (key.isUsed()) {
                    usedSections.add(path.substring(0, dot));
                }
            }
        }
        usedSections.add("");
    }

    Loaded load(Path fileOrNull, Map<String, String> env, Map<String, String> flags) {
        Map<ConfigKey<?>, Object> values = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        used.forEach(k -> values.put(k, k.defaultValue()));
        if (fileOrNull != null) {
            JsonNode root = readFile(fileOrNull);
            if (root != null) {
                readObject("file " + fileOrNull, "", root, values, warnings);
            }
        }
        for (ConfigKey<?> key : used) {
            String text = env.get(key.envName());
            if (text != null) {
                values.put(key, key.parse(text, "environment variable " + key.envName()));
            }
        }
        for (Map.Entry<String, String> flag : flags.entrySet()) {
            String path = flag.getKey().replace('-', '_');
            if (path.startsWith("__")) {
                path = path.substring(2);
            }
            ConfigKey<?> key = byPath.get(path);
            if (key == null) {
                throw new ConfigException("unknown configuration key '" + flag.getKey() + "' (flag); known keys: "
                        + String.join(", ", used.stream().map(ConfigKey::path).toList()));
            }
            if (key.isUsed()) {
                values.put(key, key.parse(flag.getValue(), "flag"));
            } else {
                warnings.add(ignoring(key, flag.getValue(), "flag"));
            }
        }
        return new Loaded(values, List.copyOf(warnings));
    }

    private static JsonNode readFile(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new ConfigException("configuration file " + file + " is not valid JSON: "
                    + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr(), e);
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e, e);
        }
        if (root == null || root.isMissingNode()) {
            return null;
        }
        if (!root.isObject()) {
            throw new ConfigException("configuration file " + file + ": the top level must be a JSON object");
        }
        return root;
    }

    private void readObject(String source, String section, JsonNode node, Map<ConfigKey<?>, Object> values,
                            List<String> warnings) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().startsWith("_")) {
                continue;
            }
            String path = section.isEmpty() ? field.getKey() : section + "." + field.getKey();
            JsonNode value = field.getValue();
            ConfigKey<?> key = byPath.get(path);
            if (key != null && key.isUsed()) {
                values.put(key, key.parse(value, source));
            } else if (key != null) {
                warnings.add(ignoring(key, value.toString(), source));
            } else if (sections.contains(path) && value.isObject()) {
                readObject(source, path, value, values, warnings);
            } else if (!usedSections.contains(section) || sections.contains(path) && !usedSections.contains(path)) {
                warnings.add("ignoring '" + path + "' (" + source + "): not a key of this broker, in upstream "
                        + "FlyMQ's '" + upstreamSection(path) + "' section, which this broker does not use");
            } else if (sections.contains(path)) {
                throw new ConfigException("invalid value for '" + path + "' (" + source
                        + "): expected a JSON object of keys, found '" + value + "'");
            } else {
                throw new ConfigException("unknown configuration key '" + path + "' in " + source
                        + (section.isEmpty() ? "" : "; keys of '" + section + "': " + String.join(", ",
                        byPath.keySet().stream().filter(p -> p.startsWith(section + ".")).sorted().toList())));
            }
        }
    }

    /** The outermost section of {@code path} that holds no used key. */
    private String upstreamSection(String path) {
        String outer = path;
        for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) {
            if (!usedSections.contains(path.substring(0, dot))) {
                return path.substring(0, dot);
            }
        }
        return outer;
    }

    private static String ignoring(ConfigKey<?> key, String value, String source) {
        return "ignoring upstream FlyMQ key '" + key.path() + "' = " + value + " (" + source + "): "
                + key.doc().replace("`", "");
    }
}
