package flymq.broker;

import java.util.ArrayList;
import java.util.List;

/**
 * Keys of upstream FlyMQ 1.26 configuration files that this broker accepts and does not act on, so that an upstream
 * file starts it: each one given produces a warning with its line below, never an error. They are the keys of
 * upstream's configuration structure and those its configuration guide documents (some only there, such as
 * {@code tls.*} and {@code cluster.*}). Upstream keys this broker does act on are declared in {@link BrokerConfig}.
 */
final class UpstreamKeys {
    private static final String SERVER_TLS = "tls_enabled tls_cert_file tls_key_file tls_auto_generate tls_use_global";

    static final List<ConfigKey<Void>> KEYS = declare(
            "", "advertise_addr", "upstream's spelling: this broker reads `advertised_addr`",
            "", "advertise_cluster", "peers reach this node at the address `peers` lists for it",
            "", "log_json", "logs are text lines",
            "tls", "enabled cert_file key_file ca_file client_auth",
            "upstream's guide spelling: this broker reads `security.tls_*` (with `security.tls_client_auth`)",
            "encryption", "enabled", "upstream's guide spelling: this broker reads `security.encryption_enabled`",
            "auth", "user_file acl_file",
            "users and ACLs are kept in `security.json` under `data_dir` (replicated through the metadata group in a "
                    + "cluster)",
            "schema", "registry_dir", "schemas are kept in `data_dir` (`schemas.json`) or, in a cluster, in the "
                    + "metadata Raft group",
            "ttl", "cleanup_interval",
            "expired records are hidden from every read at once and removed with their segment by retention",
            "delayed", "enabled", "delayed delivery is always on (upstream's default off produces at once)",
            "partition", "distribution_strategy default_replication_factor auto_rebalance_enabled "
                    + "auto_rebalance_interval rebalance_threshold",
            "partition leaders are chosen by each partition's Raft election and the replication factor is "
                    + "min(3, nodes)",
            "partition", "default_partitions", "upstream's spelling: this broker reads `default_partitions`",
            "discovery", "enabled cluster_id", "no mDNS discovery: the cluster's members are listed in `peers`",
            "cluster", "enabled node_id addr peers",
            "this broker reads `node_id`, `cluster_addr` and `peers` at the top level",
            "observability.health", "enabled", "health endpoints are always served, on `observability.health.addr`",
            "observability.admin", "auth_enabled",
            "the admin API authenticates exactly when the broker's authentication is on",
            "grpc", "enabled addr " + SERVER_TLS, "no gRPC server",
            "grpc.tls", "enabled cert_file key_file ca_file", "no gRPC server",
            "ws", "enabled addr " + SERVER_TLS, "no WebSocket gateway",
            "ws.tls", "enabled cert_file key_file ca_file", "no WebSocket gateway",
            "mqtt", "enabled addr " + SERVER_TLS, "no MQTT bridge",
            "mqtt.tls", "enabled cert_file key_file ca_file", "no MQTT bridge",
            "performance", "sync_batch_size", "partition logs are fsynced by time (`performance.sync_interval_ms`)",
            "performance", "default_serde", "values are opaque bytes to the broker; serialization is the clients' job",
            "performance", "async_io zero_copy write_buffer_size num_io_workers large_message_threshold",
            "I/O is not tunable: one thread per connection, BATCH_FETCH sends from the segment files",
            "performance", "compression compression_level compression_min_size",
            "records are stored as produced, uncompressed");

    private UpstreamKeys() {
    }

    /** Triples of section, space-separated key names and the reason they are ignored. */
    private static List<ConfigKey<Void>> declare(String... triples) {
        List<ConfigKey<Void>> keys = new ArrayList<>();
        for (int i = 0; i < triples.length; i += 3) {
            for (String name : triples[i + 1].split(" ")) {
                keys.add(ConfigKey.ignored(triples[i].isEmpty() ? name : triples[i] + "." + name, triples[i + 2]));
            }
        }
        return List.copyOf(keys);
    }
}
