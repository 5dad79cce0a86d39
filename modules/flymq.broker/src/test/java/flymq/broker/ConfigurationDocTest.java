package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md shows the declared keys: its two tables must be exactly what the declarations render to
 * (on a difference the failure carries the table to paste, also written to target/). The tables are not edited by
 * hand.
 */
class ConfigurationDocTest {
    /** The repository's docs, seen from the module's directory (surefire's working dir). */
    private static final Path DOC = Path.of("../../docs/configuration.md");

    static String usedKeysTable() {
        StringBuilder t = new StringBuilder("""
                | Key | Environment variable | Values | Default | Meaning |
                |-----|----------------------|--------|---------|---------|
                """);
        for (ConfigKey<?> k : BrokerConfig.KEYS) {
            t.append("| `").append(k.path()).append("` | `").append(k.envName()).append("` | ")
                    .append(k.type().expected()).append(" | ").append(k.defaultForDocs()).append(" | ")
                    .append(k.doc()).append(" |\n");
        }
        return t.toString();
    }

    /** Consecutive keys ignored for the same reason share a row. */
    static String ignoredKeysTable() {
        StringBuilder t = new StringBuilder("""
                | Upstream keys | Why this broker ignores them |
                |---------------|------------------------------|
                """);
        List<String> paths = new ArrayList<>();
        String why = null;
        for (ConfigKey<?> k : UpstreamKeys.KEYS) {
            if (why != null && !why.equals(k.doc())) {
                t.append("| ").append(String.join(", ", paths)).append(" | ").append(why).append(" |\n");
                paths.clear();
            }
            paths.add("`" + k.path() + "`");
            why = k.doc();
        }
        t.append("| ").append(String.join(", ", paths)).append(" | ").append(why).append(" |\n");
        return t.toString();
    }

    @Test
    void theKeysTableIsTheDeclarations() throws IOException {
        assertDocShows("keys", usedKeysTable());
    }

    @Test
    void theIgnoredUpstreamKeysTableIsTheDeclarations() throws IOException {
        assertDocShows("upstream-keys", ignoredKeysTable());
    }

    @Test
    void everyKeyDeclaredInBrokerConfigIsListedInKeys() throws IllegalAccessException {
        List<Object> declared = new ArrayList<>();
        for (Field f : BrokerConfig.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigKey.class) {
                declared.add(f.get(null));
            }
        }
        assertEquals(new HashSet<>(declared), new HashSet<>(BrokerConfig.KEYS));
        assertEquals(declared.size(), BrokerConfig.KEYS.size(), "a key is listed twice");
    }

    @Test
    void noUpstreamKeyIsAlsoAUsedKey() {
        var used = BrokerConfig.KEYS.stream().map(ConfigKey::path).toList();
        for (ConfigKey<?> k : UpstreamKeys.KEYS) {
            assertTrue(!used.contains(k.path()), k.path() + " is declared as used and as ignored");
        }
    }

    /** The text between {@code <!-- generated: NAME -->} and {@code <!-- end: NAME -->} must be {@code table}. */
    private static void assertDocShows(String name, String table) throws IOException {
        String doc = Files.readString(DOC);
        String begin = "<!-- generated: " + name + " (ConfigurationDocTest) -->\n";
        String end = "<!-- end: " + name + " -->";
        int from = doc.indexOf(begin);
        int to = doc.indexOf(end);
        Path copy = Path.of("target", "configuration-" + name + ".md");
        Files.writeString(copy, begin + table + end + "\n");
        assertTrue(from >= 0 && to > from, DOC + " has no " + begin.strip() + " ... " + end + " block; expected:\n"
                + begin + table + end + "\n(also in " + copy.toAbsolutePath() + ")");
        assertEquals(table, doc.substring(from + begin.length(), to),
                DOC + " differs from the declared keys; the block to paste is in " + copy.toAbsolutePath());
    }
}
