package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.node.BrokerNode;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import flymq.protocol.Acks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream FlyMQ configuration file starts this broker: the keys it acts on take effect, each key it ignores
 * gives one warning, and only values it cannot use (or keys nobody knows) stop it.
 */
class UpstreamConfigTest {
    /**
     * Every section and key of upstream FlyMQ 1.26's configuration structure, and the sections its configuration
     * guide documents besides ({@code tls}, {@code encryption}, {@code cluster}, {@code grpc.tls}, ...), with
     * upstream-style values.
     */
    static final String UPSTREAM_FILE = """
            {
              "bind_addr": ":9092",
              "cluster_addr": ":9093",
              "advertise_addr": "broker-1.example.com:9092",
              "advertise_cluster": "broker-1.example.com:9093",
              "peers": [],
              "node_id": "broker-1",
              "data_dir": "/var/lib/flymq",
              "retention_bytes": 10737418240,
              "retention_ms": 604800000,
              "segment_bytes": 1073741824,
              "default_partitions": 6,
              "log_level": "warn",
              "log_json": true,
              "security": {
                "tls_enabled": false, "tls_cert_file": "/etc/flymq/server.crt", "tls_key_file": "/etc/flymq/server.key",
                "tls_ca_file": "", "encryption_enabled": false
              },
              "tls": {"enabled": true, "cert_file": "/etc/flymq/server.crt", "key_file": "/etc/flymq/server.key",
                      "ca_file": "/etc/flymq/ca.crt", "client_auth": true},
              "encryption": {"enabled": false},
              "auth": {
                "enabled": true, "rbac_enabled": true, "allow_anonymous": false,
                "user_file": "/var/lib/flymq/users.json", "acl_file": "/var/lib/flymq/acls.json",
                "default_public": false, "admin_username": "admin", "admin_password": "change-me"
              },
              "schema": {"enabled": false, "registry_dir": "", "validation": "strict"},
              "dlq": {"enabled": false, "max_retries": 3, "retry_delay": 1000, "topic_suffix": ".dlq"},
              "ttl": {"default_ttl": 0, "cleanup_interval": 60},
              "delayed": {"enabled": false, "max_delay": 86400},
              "transaction": {"enabled": false, "timeout": 60},
              "partition": {
                "distribution_strategy": "round-robin", "default_replication_factor": 1, "default_partitions": 1,
                "auto_rebalance_enabled": false, "auto_rebalance_interval": 300, "rebalance_threshold": 0.2
              },
              "discovery": {"enabled": false, "cluster_id": ""},
              "cluster": {"enabled": true, "node_id": "node-1", "addr": ":9093", "peers": ["node-2:9093"]},
              "observability": {
                "metrics": {"enabled": true, "addr": ":9094"},
                "tracing": {"enabled": false, "endpoint": "localhost:4317", "sample_rate": 0.25, "service_name": "orders-mq"},
                "health": {
                  "enabled": true, "addr": ":9095", "tls_enabled": false, "tls_cert_file": "", "tls_key_file": "",
                  "tls_auto_generate": false, "tls_use_admin_cert": false
                },
                "admin": {
                  "enabled": false, "addr": ":9096", "auth_enabled": false, "tls_enabled": false,
                  "tls_cert_file": "", "tls_key_file": "", "tls_auto_generate": false
                }
              },
              "grpc": {
                "enabled": false, "addr": ":9097", "tls_enabled": false, "tls_cert_file": "", "tls_key_file": "",
                "tls_auto_generate": false, "tls_use_global": false,
                "tls": {"enabled": false, "cert_file": "", "key_file": "", "ca_file": ""}
              },
              "ws": {
                "enabled": false, "addr": ":9098", "tls_enabled": false, "tls_cert_file": "", "tls_key_file": "",
                "tls_auto_generate": false, "tls_use_global": false,
                "tls": {"enabled": false, "cert_file": "", "key_file": "", "ca_file": ""}
              },
              "mqtt": {
                "enabled": false, "addr": ":1883", "tls_enabled": false, "tls_cert_file": "", "tls_key_file": "",
                "tls_auto_generate": false, "tls_use_global": false,
                "tls": {"enabled": false, "cert_file": "", "key_file": "", "ca_file": ""}
              },
              "performance": {
                "acks": "all", "sync_interval_ms": 5, "sync_batch_size": 700, "default_serde": "binary",
                "async_io": true, "zero_copy": true, "write_buffer_size": 4194304, "num_io_workers": 4,
                "compression": "lz4", "compression_level": 3, "compression_min_size": 1024,
                "large_message_threshold": 65536
              },
              "audit": {"enabled": true, "log_dir": "", "max_file_size": 104857600, "retention_days": 90}
            }
            """;

    @TempDir
    Path dir;

    private Path write(String json) throws Exception {
        Path file = dir.resolve("flymq.json");
        Files.writeString(file, json);
        return file;
    }

    /** What a test on a shared machine must override: ports and the data directory. */
    private Map<String, String> localFlags() {
        return Map.of("bind_addr", "127.0.0.1:0", "data_dir", dir.resolve("data").toString(),
                "observability.metrics.addr", "127.0.0.1:0", "observability.health.addr", "127.0.0.1:0");
    }

    @Test
    void upstreamFileStartsTheBrokerWithOneWarningPerIgnoredKey() throws Exception {
        BrokerConfig config = BrokerConfig.load(write(UPSTREAM_FILE), Map.of(), localFlags());

        for (ConfigKey<?> ignored : UpstreamKeys.KEYS) {
            List<String> about = config.warnings().stream()
                    .filter(w -> w.startsWith("ignoring upstream FlyMQ key '" + ignored.path() + "' = ")).toList();
            assertEquals(1, about.size(), ignored.path() + ": " + about);
            assertTrue(about.get(0).endsWith(ignored.doc().replace("`", "")), about.get(0));
        }
        assertEquals(UpstreamKeys.KEYS.size(), config.warnings().size(), String.join("\n", config.warnings()));

        // the upstream keys this broker shares take effect
        assertEquals("broker-1", config.nodeId());
        assertEquals("warn", config.logLevel());
        assertEquals(6, config.defaultPartitions());
        assertEquals(1073741824L, config.segmentBytes());
        assertEquals(10737418240L, config.retentionBytes());
        assertEquals(Acks.ALL, config.performance().acks());
        assertEquals(0.25, config.observability().tracing().sampleRate());
        assertEquals("orders-mq", config.observability().tracing().serviceName());
        assertEquals(0, config.messaging().defaultTtlMs());
        assertEquals(86_400_000L, config.messaging().maxDelayMs(), "delayed.max_delay is in seconds, as upstream's");

        // so do the auth keys: the bootstrap admin logs in with the file's password
        assertTrue(config.auth().enabled());
        assertFalse(config.auth().defaultPublic());
        assertEquals("admin", config.auth().adminUsername());
        try (BrokerNode node = BrokerNode.start(config);
             FlyMqClient client = FlyMqClient.builder().bootstrap("127.0.0.1:" + node.boundPort())
                     .credentials("admin", "change-me").build()) {
            assertEquals(0, client.produce("orders", "{\"id\":1}".getBytes(StandardCharsets.UTF_8)).offset());
        }
    }

    @Test
    void anUnknownKeyInAnUpstreamOnlySectionWarns() throws Exception {
        BrokerConfig config = BrokerConfig.load(write("""
                {"mqtt": {"enabled": false, "qos": {"max": 1}},
                 "grpc": {"max_streams": 4}}
                """), Map.of(), Map.of());
        assertEquals(List.of(
                "ignoring upstream FlyMQ key 'mqtt.enabled' = false (file " + dir.resolve("flymq.json") + "): "
                        + "no MQTT bridge",
                "ignoring 'mqtt.qos' (file " + dir.resolve("flymq.json") + "): not a key of this broker, in upstream "
                        + "FlyMQ's 'mqtt' section, which this broker does not use",
                "ignoring 'grpc.max_streams' (file " + dir.resolve("flymq.json") + "): not a key of "
                        + "this broker, in upstream FlyMQ's 'grpc' section, which this broker does not "
                        + "use"), config.warnings());
    }

    @Test
    void anIgnoredKeyWarnsWhateverItsValue() throws Exception {
        BrokerConfig config = BrokerConfig.load(write("""
                {"grpc": {"enabled": "yes", "addr": 9097}, "observability": {"health": {"enabled": null}}}
                """), Map.of(), Map.of());
        assertEquals(3, config.warnings().size(), String.join("\n", config.warnings()));
    }

    @Test
    void anIgnoredKeyGivenAsAFlagWarnsToo() {
        BrokerConfig config = BrokerConfig.load(null, Map.of(), Map.of("observability.health.enabled", "false"));
        assertEquals(List.of("ignoring upstream FlyMQ key 'observability.health.enabled' = false (flag): health "
                + "endpoints are always served, on observability.health.addr"), config.warnings());
    }

    @Test
    void anUnknownKeyInASectionThisBrokerUsesIsAnError() throws Exception {
        Path file = write("{\"performance\": {\"acks\": \"all\", \"sync_interval\": 5}}");
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(file, Map.of(), Map.of()));
        assertTrue(e.getMessage().startsWith("unknown configuration key 'performance.sync_interval' in file "),
                e.getMessage());
        assertTrue(e.getMessage().contains("performance.sync_interval_ms"), "names the section's keys: "
                + e.getMessage());
    }

    @Test
    void anUnknownTopLevelKeyIsAnError() throws Exception {
        Path file = write("{\"bind_address\": \":9092\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(file, Map.of(), Map.of()));
        assertTrue(e.getMessage().startsWith("unknown configuration key 'bind_address' in file "), e.getMessage());
    }

    @Test
    void aUsedKeyOfTheWrongTypeOrOutOfRangeIsAnErrorEvenInAnUpstreamFile() throws Exception {
        Path wrongType = write(UPSTREAM_FILE.replace("\"sample_rate\": 0.25", "\"sample_rate\": \"often\""));
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.load(wrongType, Map.of(), Map.of()));
        assertTrue(e.getMessage().startsWith("invalid value for 'observability.tracing.sample_rate' (file "),
                e.getMessage());

        Path outOfRange = write(UPSTREAM_FILE.replace("\"segment_bytes\": 1073741824", "\"segment_bytes\": 1073741825"));
        e = assertThrows(ConfigException.class, () -> BrokerConfig.load(outOfRange, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("expected an integer from 1024 to 1073741824, found '1073741825'"),
                e.getMessage());
    }

    @Test
    void aSectionGivenAsAPlainValueIsAnError() throws Exception {
        Path file = write("{\"observability\": true}");
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(file, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("expected a JSON object of keys"), e.getMessage());
    }

    /** The shape of the file upstream's install.sh writes for a standalone node, with its defaults. */
    @Test
    void theFileUpstreamsInstallScriptWritesStartsTheBroker() throws Exception {
        Path file = write("""
                {
                  "_comment": "written by an installer",
                  "_mode": "standalone",
                  "bind_addr": ":9092", "cluster_addr": "", "advertise_cluster": "", "peers": [], "node_id": "",
                  "data_dir": "/var/lib/flymq", "retention_bytes": 0, "segment_bytes": 67108864, "log_level": "info",
                  "security": {"tls_enabled": true, "tls_cert_file": "", "tls_key_file": "", "encryption_enabled": true},
                  "auth": {"enabled": true, "allow_anonymous": true, "default_public": false, "admin_username": "admin",
                           "admin_password": ""},
                  "performance": {"acks": "leader", "default_serde": "binary", "sync_interval_ms": 5},
                  "schema": {"enabled": true, "validation": "strict"},
                  "observability": {
                    "metrics": {"enabled": true, "addr": ":9094"},
                    "tracing": {"enabled": false, "endpoint": "localhost:4317", "sample_rate": 0.1},
                    "health": {"enabled": true, "addr": ":9095", "tls_enabled": false, "tls_cert_file": "",
                               "tls_key_file": "", "tls_auto_generate": false, "tls_use_admin_cert": false}
                  }
                }
                """);
        // upstream's installer exports the at-rest key next to the file (encryption_enabled needs it, as upstream)
        BrokerConfig config = BrokerConfig.load(file, Map.of("FLYMQ_ENCRYPTION_KEY", "5e".repeat(32)), localFlags());
        assertEquals("", config.clusterAddr());
        assertTrue(config.warnings().stream().noneMatch(w -> w.contains("'_")), String.join("\n", config.warnings()));
        // schema.*, the TLS keys, health.tls_use_admin_cert, auth.* and encryption_enabled are acted on; one line
        // says that TLS without certificate files serves plaintext
        assertEquals(4, config.warnings().size(), String.join("\n", config.warnings()));
        assertTrue(config.encryption().enabled());
        assertTrue(config.warnings().stream().anyMatch(w -> w.contains("serving PLAINTEXT")),
                String.join("\n", config.warnings()));
        assertFalse(config.tls().enabled());
        // auth is on with anonymous access, but default_public false closes every topic to anonymous clients
        assertTrue(config.auth().enabled() && config.auth().allowAnonymous());
        try (BrokerNode node = BrokerNode.start(config);
             FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            FlyMqServerException e = assertThrows(FlyMqServerException.class,
                    () -> client.produce("installed", new byte[] {1}));
            assertTrue(e.serverMessage().startsWith("authentication required"), e.serverMessage());
        }
    }

    @Test
    void anEmptyClusterAddressIsAnErrorForAClusterMember() throws Exception {
        Path file = write("{\"cluster_addr\": \"\", \"peers\": [\"n1@127.0.0.1:9093\"]}");
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(file, Map.of(), Map.of()));
        assertTrue(e.getMessage().startsWith("invalid value for 'cluster_addr'"), e.getMessage());
    }
}
