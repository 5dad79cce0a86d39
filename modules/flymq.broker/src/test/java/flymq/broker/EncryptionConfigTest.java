package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.storage.EncryptionKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the at-rest key may come from (environment or key file, never the configuration file). */
class EncryptionConfigTest {
    private static final String KEY = "0f".repeat(32);

    @TempDir
    Path dir;

    private static Map<String, String> on() {
        return Map.of("security.encryption_enabled", "true");
    }

    @Test
    void offByDefault() {
        assertFalse(BrokerConfig.defaults().encryption().enabled());
    }

    @Test
    void theKeyComesFromTheEnvironment() {
        BrokerConfig c = BrokerConfig.load(null, Map.of("FLYMQ_ENCRYPTION_KEY", KEY), on());
        assertEquals(EncryptionKey.fromHex(KEY, "test"), c.encryption().key());
    }

    @Test
    void upstreamsEnvironmentSwitchTurnsItOnToo() {
        BrokerConfig c = BrokerConfig.load(null,
                Map.of("FLYMQ_ENCRYPTION_KEY", KEY, "FLYMQ_ENCRYPTION_ENABLED", "true"), Map.of());
        assertTrue(c.encryption().enabled());
    }

    @Test
    void theKeyComesFromAnOwnerOnlyKeyFileWithoutWarning() throws Exception {
        Path file = dir.resolve("key");
        Files.writeString(file, KEY + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        BrokerConfig c = BrokerConfig.load(null, Map.of(),
                Map.of("security.encryption_enabled", "true", "security.encryption_key_file", file.toString()));
        assertEquals(EncryptionKey.fromHex(KEY, "test"), c.encryption().key());
        assertTrue(c.warnings().isEmpty(), c.warnings().toString());
    }

    @Test
    void aKeyFileOthersCanReadIsWarnedAbout() throws Exception {
        Path file = dir.resolve("key");
        Files.writeString(file, KEY);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        BrokerConfig c = BrokerConfig.load(null, Map.of(),
                Map.of("security.encryption_enabled", "true", "security.encryption_key_file", file.toString()));
        assertTrue(c.warnings().stream().anyMatch(w -> w.contains("chmod 600")), c.warnings().toString());
    }

    @Test
    void onWithoutAKeyIsRefusedNamingWhereItMayComeFrom() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(null, Map.of(), on()));
        assertTrue(e.getMessage().contains("FLYMQ_ENCRYPTION_KEY")
                && e.getMessage().contains("security.encryption_key_file"), e.getMessage());
    }

    @Test
    void aKeyInTheConfigurationFileIsNotAKey() throws Exception {
        Path file = dir.resolve("flymq.json");
        Files.writeString(file, "{\"security\": {\"encryption_enabled\": true, \"encryption_key\": \"" + KEY + "\"}}");
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(file, Map.of(), Map.of()));
        assertFalse(e.getMessage().contains(KEY), "the key is not echoed: " + e.getMessage());
    }

    @Test
    void aMalformedKeyIsRefusedWithoutEchoingIt() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.load(null, Map.of("FLYMQ_ENCRYPTION_KEY", "secret-but-short"), on()));
        assertTrue(e.getMessage().contains("64 hexadecimal characters"), e.getMessage());
        assertFalse(e.getMessage().contains("secret-but-short"));
    }

    @Test
    void bothSourcesAtOnceAreRefused() throws Exception {
        Path file = dir.resolve("key");
        Files.writeString(file, KEY);
        assertThrows(ConfigException.class, () -> BrokerConfig.load(null, Map.of("FLYMQ_ENCRYPTION_KEY", KEY),
                Map.of("security.encryption_enabled", "true", "security.encryption_key_file", file.toString())));
    }

    @Test
    void aKeyGivenWhileOffIsWarnedAboutAndUnused() {
        BrokerConfig c = BrokerConfig.load(null, Map.of("FLYMQ_ENCRYPTION_KEY", KEY), Map.of());
        assertNull(c.encryption().key());
        assertTrue(c.warnings().stream().anyMatch(w -> w.contains("stored in the clear")), c.warnings().toString());
    }

    @Test
    void previousKeysOfARotationComeFromTheEnvironmentOrAFile() throws Exception {
        String old1 = "1a".repeat(32);
        String old2 = "2b".repeat(32);
        BrokerConfig c = BrokerConfig.load(null, Map.of("FLYMQ_ENCRYPTION_KEY", KEY,
                "FLYMQ_ENCRYPTION_PREVIOUS_KEYS", old1 + "," + old2), on());
        assertEquals(java.util.List.of(EncryptionKey.fromHex(old1, "t"), EncryptionKey.fromHex(old2, "t")),
                c.encryption().key().previous());
        Path file = dir.resolve("previous");
        Files.writeString(file, "# rotated 2026-12-03\n" + old1 + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> flags = new java.util.HashMap<>(on());
        flags.put("security.encryption_previous_keys_file", file.toString());
        BrokerConfig f = BrokerConfig.load(null, Map.of("FLYMQ_ENCRYPTION_KEY", KEY), flags);
        assertEquals(java.util.List.of(EncryptionKey.fromHex(old1, "t")), f.encryption().key().previous());
        assertTrue(f.warnings().isEmpty(), f.warnings().toString());
    }

    @Test
    void aMalformedPreviousKeyIsRefusedWithoutEchoingItAndAClusterNodeTakesPreviousKeys() {
        ConfigException bad = assertThrows(ConfigException.class, () -> BrokerConfig.load(null,
                Map.of("FLYMQ_ENCRYPTION_KEY", KEY, "FLYMQ_ENCRYPTION_PREVIOUS_KEYS", "not-a-key-at-all"), on()));
        assertTrue(bad.getMessage().contains("FLYMQ_ENCRYPTION_PREVIOUS_KEYS (key 1)"), bad.getMessage());
        assertFalse(bad.getMessage().contains("not-a-key-at-all"), bad.getMessage());
        Map<String, String> cluster = new java.util.HashMap<>(on());
        cluster.put("node_id", "n1");
        cluster.put("cluster_addr", "127.0.0.1:9093");
        cluster.put("peers", "n1@127.0.0.1:9093,n2@127.0.0.1:9193");
        BrokerConfig c = BrokerConfig.load(null,
                Map.of("FLYMQ_ENCRYPTION_KEY", KEY, "FLYMQ_ENCRYPTION_PREVIOUS_KEYS", "1a".repeat(32)), cluster);
        assertEquals(1, c.encryption().key().previous().size());
    }
}
