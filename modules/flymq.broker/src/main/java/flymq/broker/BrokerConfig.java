package flymq.broker;

import flymq.protocol.Acks;
import flymq.protocol.ReadSpin;
import flymq.raft.transport.ClusterAuth;
import flymq.storage.EncryptionKey;
import flymq.storage.LogConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import flymq.protocol.tls.TlsContexts.ClientAuth;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The broker's configuration, with upstream FlyMQ key names. Sources, highest precedence first:
 * <ol>
 *   <li>flags: a map from key path to text, e.g. {@code "performance.acks" -> "all"} ({@code -} and {@code _} are
 *       interchangeable in flag keys, so {@code bind-addr} works);</li>
 *   <li>environment: {@link ConfigKey#envName()}, e.g. {@code FLYMQ_OBSERVABILITY_METRICS_ADDR};</li>
 *   <li>a JSON file whose nested objects mirror the dotted key paths;</li>
 *   <li>defaults.</li>
 * </ol>
 * Each key is declared once below ({@link #KEYS}; upstream keys that are accepted and ignored in
 * {@link UpstreamKeys}); {@link ConfigLoader} reads the sources by those declarations, and docs/configuration.md
 * shows them (a test keeps the two equal).
 *
 * @param warnings one line for each upstream FlyMQ key given that this broker does not act on; the launchers
 *                 print them before the broker starts
 */
public record BrokerConfig(
        String bindAddr,
        String clusterAddr,
        String advertisedAddr,
        String nodeId,
        List<String> peers,
        Path dataDir,
        long segmentBytes,
        long retentionBytes,
        long retentionMs,
        String logLevel,
        boolean autoCreateTopics,
        int defaultPartitions,
        Performance performance,
        Groups groups,
        Network network,
        Observability observability,
        Cluster cluster,
        Auth auth,
        Audit audit,
        Messaging messaging,
        Schema schema,
        Transactions transactions,
        DeadLetters deadLetters,
        Tls tls,
        Encryption encryption,
        ClusterAuth clusterAuth,
        ClusterTls clusterTls,
        Placement placement,
        List<String> warnings) {

    /**
     * Mutual TLS on the cluster transport ({@code cluster.tls_*}): this node's certificate chain and key, and the
     * cluster CA that must have issued every peer's certificate; paths empty when off.
     */
    public record ClusterTls(boolean enabled, String certFile, String keyFile, String caFile) {
        public static final ClusterTls OFF = new ClusterTls(false, "", "", "");
    }

    /**
     * Where replicas go and how they move (cluster.md, "Growing a cluster"): this node's rack ("" = none; no two
     * replicas of a partition in one rack), the bytes per second a replica being added by a reassignment catches up
     * at (0 = unthrottled), how often partitions are handed back to their preferred leader (0 = only on
     * {@code flymq cluster elect-leaders}), and how many moves of a rebalance or drain run at once (0 = all).
     */
    public record Placement(String rack, long reassignmentBytesPerSec, long leaderBalanceIntervalMs,
                            int reassignmentMaxConcurrent) {
        public Placement(String rack, long reassignmentBytesPerSec, long leaderBalanceIntervalMs) {
            this(rack, reassignmentBytesPerSec, leaderBalanceIntervalMs, DEFAULT_REASSIGNMENT_MAX_CONCURRENT);
        }
    }

    /** {@code cluster.reassignment_max_concurrent}'s default. */
    public static final int DEFAULT_REASSIGNMENT_MAX_CONCURRENT = 4;

    /** Encryption at rest of record values; {@link #OFF} without a key. */
    public record Encryption(EncryptionKey key) {
        public static final Encryption OFF = new Encryption(null);

        public boolean enabled() {
            return key != null;
        }
    }

    /** How a 1.26 PRODUCE is acknowledged and how often partition logs are fsynced. */
    public record Performance(Acks acks, long syncIntervalMs) {
    }

    /**
     * Authentication and authorization ([security.md](security.md)). {@link #toString()} masks the password, so
     * a logged configuration never shows it.
     */
    public record Auth(boolean enabled, boolean rbacEnabled, boolean allowAnonymous, boolean defaultPublic,
                       String adminUsername, String adminPassword, int passwordHashIterations) {
        @Override
        public String toString() {
            return "Auth[enabled=" + enabled + ", rbacEnabled=" + rbacEnabled + ", allowAnonymous=" + allowAnonymous
                    + ", defaultPublic=" + defaultPublic + ", adminUsername=" + adminUsername + ", adminPassword="
                    + (adminPassword.isEmpty() ? "" : "***") + ", passwordHashIterations=" + passwordHashIterations
                    + "]";
        }
    }

    /** The audit trail: where, how large a file grows before rotation, how long rotated files are kept. */
    public record Audit(boolean enabled, String logDir, long maxFileSize, int retentionDays) {
    }

    /** Consumer-group membership: a member that sends nothing for this long is removed. */
    public record Groups(long sessionTimeoutMs) {
    }

    /**
     * Connection limits: idle connections close after idleTimeoutMs; a write blocked longer than writeTimeoutMs
     * closes. A connection thread spins up to readSpinMicros for the next request before it blocks (0 = never).
     * Beyond maxConnections open connections, or maxConnectionsPerIp from one address, a new one is closed at once.
     * Buffers holding requests being read or served take at most maxInflightRequestBytes over all connections.
     */
    public record Network(long idleTimeoutMs, long writeTimeoutMs, long readSpinMicros, int maxConnections,
                          int maxConnectionsPerIp, long maxInflightRequestBytes) {
    }

    public record Observability(Tracing tracing, Metrics metrics, Health health, Admin admin) {
        /** Without the admin API (it is off). */
        public Observability(Tracing tracing, Metrics metrics, Health health) {
            this(tracing, metrics, health, Admin.OFF);
        }
    }

    public record Tracing(boolean enabled, String endpoint, double sampleRate, String serviceName, String protocol) {
    }

    /**
     * {@code enabled} false: no {@code /metrics} listener and no meter updates on the request path (health and
     * tracing are unaffected).
     */
    public record Metrics(boolean enabled, String addr, HttpTls tls) {
        public Metrics(String addr) {
            this(true, addr, HttpTls.OFF);
        }

        public Metrics(boolean enabled, String addr) {
            this(enabled, addr, HttpTls.OFF);
        }
    }

    public record Health(String addr, HttpTls tls) {
        public Health(String addr) {
            this(addr, HttpTls.OFF);
        }
    }

    /**
     * HTTPS on a telemetry listener ({@code observability.metrics.tls_*}, {@code observability.health.tls_*}):
     * off, or with the PEM files given (resolved: the listener's own, else the client port's), or with the
     * development certificate of the data directory ({@code generated}).
     */
    public record HttpTls(boolean enabled, String certFile, String keyFile, boolean generated) {
        public static final HttpTls OFF = new HttpTls(false, "", "", false);
    }

    /**
     * The admin REST API and web console ({@code flymq.admin}). {@code addr} is {@link #DEFAULT_ADMIN_ADDR} unless
     * configured; on that default a port already in use is a warning, not a failed start (see docs/admin-api.md).
     * {@code tls}: HTTPS ({@code observability.admin.tls_*}), resolved as for the telemetry listeners.
     */
    public record Admin(boolean enabled, String addr, List<String> corsOrigins, HttpTls tls) {
        public static final Admin OFF = new Admin(false, DEFAULT_ADMIN_ADDR, List.of());

        public Admin {
            corsOrigins = List.copyOf(corsOrigins);
            java.util.Objects.requireNonNull(tls, "tls");
        }

        /** Plain HTTP. */
        public Admin(boolean enabled, String addr, List<String> corsOrigins) {
            this(enabled, addr, corsOrigins, HttpTls.OFF);
        }

        /** Whether the address is the default one (loopback, for this machine's browser only). */
        public boolean defaultAddr() {
            return addr.equals(DEFAULT_ADMIN_ADDR);
        }
    }

    /** Where the admin API listens unless configured: loopback only, since it can change everything. */
    public static final String DEFAULT_ADMIN_ADDR = "127.0.0.1:9096";

    /**
     * The memory bounds of a node in a cluster (docs/cluster.md, "Memory bounds"): what Raft logs, the Raft
     * transport, produced batches awaiting their commit and forwarded requests may hold, and how long a producer
     * waits for room before it gets an error.
     */
    public record Cluster(long raftLogBytes, long raftInboundBytes, long raftAppendBytes, long transportReadBytes,
                          long transportQueueBytes, long produceInflightBytes, long forwardInflightBytes,
                          long budgetWaitMs) {
    }

    /**
     * Delayed delivery and TTL (docs/delayed-and-ttl.md): the time to live given to records produced without one
     * (milliseconds, {@code 0}: none), and the longest delay PRODUCE_DELAYED accepts (milliseconds).
     */
    public record Messaging(long defaultTtlMs, long maxDelayMs) {
    }

    /**
     * The schema registry ([schemas.md](schemas.md)): {@code enabled} turns produce enforcement on ({@code validation}
     * {@code strict}, {@code warn} or {@code none}); {@code compatibility} is the mode of subjects that set none.
     * The registry's opcodes work either way.
     */
    public record Schema(boolean enabled, String validation, String compatibility) {
    }

    /**
     * Dead-letter queues (docs/dlq.md): whether they are served; how often a consumer group may fail a record before
     * it is dead-lettered ({@code maxRetries} redeliveries); how long a group waits before it processes a failed
     * record again (milliseconds); and the suffix that names a topic's queue ({@code orders} + {@code .dlq}).
     */
    public record DeadLetters(boolean enabled, int maxRetries, long retryDelayMs, String topicSuffix) {
    }

    /**
     * Transactions (docs/transactions.md): whether BEGIN_TX and the other transaction opcodes are served, and how
     * long a transaction may stay open before the broker aborts it.
     */
    public record Transactions(boolean enabled, long timeoutMs) {
    }

    /**
     * TLS on the client port ({@code security.tls_*}): off, or on {@code bind_addr} itself (TLS only, as upstream),
     * or on a second listener {@code addr} next to the plaintext one on {@code bind_addr}. PEM files: certificate
     * chain, private key, and the CAs that vouch for client certificates; or, with {@code autoGenerate} and no files,
     * a development CA and certificate under the data directory. Paths are empty when not given.
     */
    public record Tls(boolean enabled, String addr, String certFile, String keyFile, String caFile,
                      ClientAuth clientAuth, boolean autoGenerate, long handshakeTimeoutMs, long reloadIntervalMs) {
        /** TLS off. */
        public static final Tls OFF = new Tls(false, "", "", "", "", ClientAuth.NONE, false, 10_000, 10_000);

        /** Whether plaintext stays on {@code bind_addr} and TLS gets a listener of its own. */
        public boolean separateListener() {
            return enabled && !addr.isEmpty();
        }

        /** Whether the certificate comes from the data directory's development CA. */
        public boolean usesGeneratedCertificate() {
            return enabled && autoGenerate && certFile.isEmpty();
        }
    }

    /** Upper bound of {@code cluster.raft_append_bytes}: an AppendEntries request must stay well inside a frame. */
    public static final long MAX_RAFT_APPEND_BYTES = 16L * 1024 * 1024;

    /** Upper bound of {@code network.read_spin_us}: a longer spin only burns CPU a blocked read would have saved. */
    public static final long MAX_READ_SPIN_US = ReadSpin.MAX_BUDGET.toNanos() / 1000;

    static final ConfigKey<String> BIND_ADDR = ConfigKey.used("bind_addr", ValueType.ADDRESS, ":9092",
            "where the binary protocol listens; empty host = all interfaces; port 0 = ephemeral");
    static final ConfigKey<String> CLUSTER_ADDR = ConfigKey.used("cluster_addr", ValueType.ADDRESS_OR_EMPTY, ":9093",
            "where cluster (Raft) traffic is received; reported by CLUSTER_STATUS; empty (a standalone node in "
                    + "upstream's files) only without `peers`");
    static final ConfigKey<String> ADVERTISED_ADDR = ConfigKey.used("advertised_addr", ValueType.TEXT, "",
            "client-facing `host:port` reported as `leader_addr`; empty = bind host (or `localhost` for a wildcard "
                    + "bind) with the bound port");
    static final ConfigKey<String> NODE_ID = ConfigKey.used("node_id", ValueType.TEXT, "",
            "this node's id; empty = `$HOSTNAME`, else the resolved host name, else `flymq-1`").shownAs("host name");
    static final ConfigKey<List<String>> PEERS = ConfigKey.used("peers", ValueType.LIST, List.of(),
            "cluster members as `node_id@host:cluster_port`; non-empty runs the node in a Raft cluster "
                    + "([cluster.md](cluster.md)). Listing this node makes it a founding member; leaving it out makes "
                    + "it join a running cluster: it waits until `flymq cluster join` adds it");
    static final ConfigKey<String> DATA_DIR = ConfigKey.used("data_dir", ValueType.TEXT, "./data",
            "logs under `logs/`, topic definitions in `topics.json`, group state in `groups/offsets.log`");
    static final ConfigKey<Long> SEGMENT_BYTES = ConfigKey.used("segment_bytes",
            ValueType.longs(LogConfig.MIN_SEGMENT_BYTES, LogConfig.MAX_SEGMENT_BYTES), 64L * 1024 * 1024,
            "default segment size; topics may override").shownAs("`67108864` (64 MiB)");
    static final ConfigKey<Long> RETENTION_BYTES = ConfigKey.used("retention_bytes",
            ValueType.longs(0, Long.MAX_VALUE), 0L, "default per-partition size limit; 0 = unlimited");
    static final ConfigKey<Long> RETENTION_MS = ConfigKey.used("retention_ms", ValueType.longs(0, Long.MAX_VALUE),
            7L * 24 * 3600 * 1000, "default age limit; 0 = unlimited").shownAs("`604800000` (7 days)");
    static final ConfigKey<String> LOG_LEVEL = ConfigKey.used("log_level",
            ValueType.oneOf("debug", "info", "warn", "error"), "info", "level of the `flymq` loggers; Helidon's and "
                    + "MicroRaft's (Raft elections, a report per group) stay at warnings unless `debug`");
    static final ConfigKey<Boolean> AUTO_CREATE_TOPICS = ConfigKey.used("auto_create_topics", ValueType.BOOLEAN,
            true, "PRODUCE to an unknown topic creates it");
    static final ConfigKey<Integer> DEFAULT_PARTITIONS = ConfigKey.used("default_partitions",
            ValueType.ints(1, Integer.MAX_VALUE), 1, "partitions of an auto-created topic");
    static final ConfigKey<Long> DEFAULT_TTL = ConfigKey.used("ttl.default_ttl",
            ValueType.longs(0, Long.MAX_VALUE / 1000), 0L,
            "seconds a record produced without a time to live (PRODUCE, BATCH_PRODUCE, a delayed delivery) lives "
                    + "before it expires; `0` = forever; a topic's own `ttl_ms` comes first (upstream's key and unit)");
    static final ConfigKey<Long> MAX_DELAY = ConfigKey.used("delayed.max_delay",
            ValueType.longs(1, Long.MAX_VALUE / 1000), 7L * 24 * 3600,
            "longest delay PRODUCE_DELAYED accepts, in seconds (upstream's key; its default is 1 day)")
            .shownAs("`604800` (7 days)");
    static final ConfigKey<Acks> ACKS = ConfigKey.used("performance.acks", ValueType.ACKS, Acks.LEADER,
            "when a 1.26 PRODUCE is answered (BATCH_PRODUCE carries its own): `none`/`leader` after the append (in "
                    + "the page cache, fsynced by the sync interval; survives a process crash), `all` after the "
                    + "partition is also fsynced (survives power loss); with replication `all` waits for a majority "
                    + "of the replicas instead; the same spellings as `--acks` of the CLI");
    static final ConfigKey<Long> SYNC_INTERVAL_MS = ConfigKey.used("performance.sync_interval_ms",
            ValueType.longs(0, Long.MAX_VALUE), 5L,
            "background fsync period of partition logs; `0` = fsync every append");
    static final ConfigKey<Long> SESSION_TIMEOUT_MS = ConfigKey.used("groups.session_timeout_ms",
            ValueType.longs(1, Long.MAX_VALUE), 30_000L,
            "a group member whose connection sends nothing this long is removed");
    static final ConfigKey<Long> IDLE_TIMEOUT_MS = ConfigKey.used("network.idle_timeout_ms",
            ValueType.longs(1, Long.MAX_VALUE), 300_000L,
            "a connection with no complete request for this long is closed").shownAs("`300000` (5 min)");
    static final ConfigKey<Long> WRITE_TIMEOUT_MS = ConfigKey.used("network.write_timeout_ms",
            ValueType.longs(1, Long.MAX_VALUE), 30_000L,
            "a connection whose responses cannot be written for this long (client not reading) is closed");
    static final ConfigKey<Long> READ_SPIN_US = ConfigKey.used("network.read_spin_us",
            ValueType.longs(0, MAX_READ_SPIN_US), ReadSpin.DEFAULT_BUDGET.toNanos() / 1000,
            "how long a connection thread polls for the next request before it blocks (0 = block at once). Saves "
                    + "a thread wake-up per request for clients that send one request per round trip; never spins "
                    + "while the CPUs are saturated (Linux CPU pressure above 50%), and backs off on connections "
                    + "whose requests come slower (see [broker.md](broker.md))");
    /** Default of {@code network.max_connections}: the default 256 MiB heap holds this many idle connections. */
    public static final int DEFAULT_MAX_CONNECTIONS = 16_384;
    /** Default of {@code network.max_connections_per_ip}: one remote host may take a quarter of the connections. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 4_096;
    /** Default of {@code network.max_inflight_request_bytes}: a quarter of the default 256 MiB heap. */
    public static final long DEFAULT_MAX_INFLIGHT_REQUEST_BYTES = 64L << 20;
    /** Smallest {@code network.max_inflight_request_bytes}: one read buffer. */
    public static final long MIN_INFLIGHT_REQUEST_BYTES = 64L << 10;
    static final ConfigKey<Integer> MAX_CONNECTIONS = ConfigKey.used("network.max_connections",
            ValueType.ints(1, Integer.MAX_VALUE), DEFAULT_MAX_CONNECTIONS,
            "client connections open at once; one beyond it is closed as soon as it is accepted (counted in "
                    + "`flymq_server_connections_refused_total{limit=\"max_connections\"}`, one WARN per 10 s), the "
                    + "open ones are unaffected. The default heap holds this many idle connections "
                    + "([broker.md](broker.md#limits)); the process also needs as many file descriptors (`ulimit -n`)");
    static final ConfigKey<Integer> MAX_CONNECTIONS_PER_IP = ConfigKey.used("network.max_connections_per_ip",
            ValueType.ints(1, Integer.MAX_VALUE), DEFAULT_MAX_CONNECTIONS_PER_IP,
            "client connections open at once from one remote address; beyond it a new one from that address is "
                    + "closed on accept (`limit=\"max_connections_per_ip\"`)");
    static final ConfigKey<Long> MAX_INFLIGHT_REQUEST_BYTES = ConfigKey.used("network.max_inflight_request_bytes",
            ValueType.longs(MIN_INFLIGHT_REQUEST_BYTES, Long.MAX_VALUE), DEFAULT_MAX_INFLIGHT_REQUEST_BYTES,
            "heap for requests being read and served, over all connections. A request is held as its bytes "
                    + "arrive, never as its header announces; when the budget is spent, connections stop reading "
                    + "until memory is given back (backpressure, not an error). One frame at a time may go beyond it "
                    + "so that a frame always completes: the worst case is this plus 32 MiB "
                    + "([broker.md](broker.md#limits))").shownAs("`67108864` (64 MiB)");
    static final ConfigKey<Boolean> TRACING_ENABLED = ConfigKey.used("observability.tracing.enabled",
            ValueType.BOOLEAN, false, "export OpenTelemetry spans");
    static final ConfigKey<String> TRACING_ENDPOINT = ConfigKey.used("observability.tracing.endpoint",
            ValueType.TEXT, "localhost:4317", "OTLP collector");
    static final ConfigKey<Double> TRACING_SAMPLE_RATE = ConfigKey.used("observability.tracing.sample_rate",
            ValueType.RATIO, 0.1, "share of new traces that are sampled");
    static final ConfigKey<String> TRACING_SERVICE_NAME = ConfigKey.used("observability.tracing.service_name",
            ValueType.TEXT, "flymq", "`service.name` resource attribute");
    static final ConfigKey<String> TRACING_PROTOCOL = ConfigKey.used("observability.tracing.protocol",
            ValueType.oneOf("grpc", "http/protobuf"), "grpc", "OTLP transport");
    static final ConfigKey<Boolean> METRICS_ENABLED = ConfigKey.used("observability.metrics.enabled",
            ValueType.BOOLEAN, true, "`false`: no `/metrics` listener, no meter updates per request");
    static final ConfigKey<String> METRICS_ADDR = ConfigKey.used("observability.metrics.addr", ValueType.ADDRESS,
            ":9094", "Prometheus `/metrics` listener");
    static final ConfigKey<String> HEALTH_ADDR = ConfigKey.used("observability.health.addr", ValueType.ADDRESS,
            ":9095", "health probes listener");
    static final ConfigKey<Boolean> ADMIN_ENABLED = ConfigKey.used("observability.admin.enabled",
            ValueType.BOOLEAN, true, "serve the admin REST API and the web console ([admin-api.md](admin-api.md), "
                    + "[console.md](console.md))");
    static final ConfigKey<String> ADMIN_ADDR = ConfigKey.used("observability.admin.addr", ValueType.ADDRESS,
            DEFAULT_ADMIN_ADDR, "admin API and console listener (`/api/v1`, `/ui/`); loopback by default because "
                    + "it can change everything. On this default a port in use only skips the listener with a "
                    + "warning; a configured address must bind");
    static final ConfigKey<Boolean> ADMIN_TLS_ENABLED = ConfigKey.used("observability.admin.tls_enabled",
            ValueType.BOOLEAN, false, "serve the admin API and console over HTTPS only (TLS 1.3 and 1.2), with this "
                    + "listener's certificate, else the client port's (`security.tls_*`), else a development "
                    + "certificate (`observability.admin.tls_auto_generate`). Off on an address other than loopback "
                    + "gives a warning at start");
    static final ConfigKey<String> ADMIN_TLS_CERT_FILE = ConfigKey.used("observability.admin.tls_cert_file",
            ValueType.TEXT, "", "PEM certificate chain of the admin listener; re-read when it changes");
    static final ConfigKey<String> ADMIN_TLS_KEY_FILE = ConfigKey.used("observability.admin.tls_key_file",
            ValueType.TEXT, "", "PEM private key of the admin listener's certificate");
    static final ConfigKey<Boolean> ADMIN_TLS_AUTO_GENERATE = ConfigKey.used(
            "observability.admin.tls_auto_generate", ValueType.BOOLEAN, false,
            "without certificate files: use the development certificate under `data_dir/tls/` (made if missing)");
    static final ConfigKey<List<String>> ADMIN_CORS_ORIGINS = ConfigKey.used("observability.admin.cors_origins",
            ValueType.LIST, List.of(), "origins (`https://ops.example.com`, or `*`) whose pages may call the admin "
                    + "API from a browser; empty = no CORS headers (off)");

    static final ConfigKey<Boolean> METRICS_TLS_ENABLED = ConfigKey.used("observability.metrics.tls_enabled",
            ValueType.BOOLEAN, false, "serve `/metrics` over HTTPS (TLS 1.3 and 1.2), with this listener's "
                    + "certificate, else the client port's (`security.tls_*`), else a development certificate "
                    + "(`observability.metrics.tls_auto_generate`)");
    static final ConfigKey<String> METRICS_TLS_CERT_FILE = ConfigKey.used("observability.metrics.tls_cert_file",
            ValueType.TEXT, "", "PEM certificate chain of the metrics listener; re-read when it changes");
    static final ConfigKey<String> METRICS_TLS_KEY_FILE = ConfigKey.used("observability.metrics.tls_key_file",
            ValueType.TEXT, "", "PEM private key of the metrics listener's certificate");
    static final ConfigKey<Boolean> METRICS_TLS_AUTO_GENERATE = ConfigKey.used(
            "observability.metrics.tls_auto_generate", ValueType.BOOLEAN, false,
            "without certificate files: use the development certificate under `data_dir/tls/` (made if missing)");
    static final ConfigKey<Boolean> HEALTH_TLS_ENABLED = ConfigKey.used("observability.health.tls_enabled",
            ValueType.BOOLEAN, false, "serve the health endpoints over HTTPS; certificate as for metrics");
    static final ConfigKey<String> HEALTH_TLS_CERT_FILE = ConfigKey.used("observability.health.tls_cert_file",
            ValueType.TEXT, "", "PEM certificate chain of the health listener; re-read when it changes");
    static final ConfigKey<String> HEALTH_TLS_KEY_FILE = ConfigKey.used("observability.health.tls_key_file",
            ValueType.TEXT, "", "PEM private key of the health listener's certificate");
    static final ConfigKey<Boolean> HEALTH_TLS_AUTO_GENERATE = ConfigKey.used(
            "observability.health.tls_auto_generate", ValueType.BOOLEAN, false,
            "without certificate files: use the development certificate under `data_dir/tls/` (made if missing)");

    static final ConfigKey<Boolean> HEALTH_TLS_USE_ADMIN_CERT = ConfigKey.used(
            "observability.health.tls_use_admin_cert", ValueType.BOOLEAN, false,
            "without certificate files of its own: the health listener serves the admin listener's certificate "
                    + "(`observability.admin.tls_*`, which must be on)");
    static final ConfigKey<Boolean> TLS_ENABLED = ConfigKey.used("security.tls_enabled", ValueType.BOOLEAN, false,
            "serve clients over TLS (1.3 and 1.2): on `security.tls_addr` when it is set, else on `bind_addr` "
                    + "(which then speaks TLS only, as upstream's, and nodes of a cluster forward to each other over "
                    + "TLS); needs a certificate and key, or `security.tls_auto_generate` "
                    + "([security.md](security.md#tls))");
    static final ConfigKey<String> TLS_ADDR = ConfigKey.used("security.tls_addr", ValueType.ADDRESS_OR_EMPTY, "",
            "a second client listener for TLS, so that `bind_addr` keeps serving plaintext while clients move over; "
                    + "empty = TLS on `bind_addr`. Connection limits count both listeners together");
    static final ConfigKey<String> TLS_CERT_FILE = ConfigKey.used("security.tls_cert_file", ValueType.TEXT, "",
            "PEM certificate chain the broker presents, leaf first; re-read when it changes");
    static final ConfigKey<String> TLS_KEY_FILE = ConfigKey.used("security.tls_key_file", ValueType.TEXT, "",
            "PEM private key of the certificate (PKCS#8, PKCS#1 RSA or SEC1 EC; not encrypted); re-read when it "
                    + "changes");
    static final ConfigKey<String> TLS_CA_FILE = ConfigKey.used("security.tls_ca_file", ValueType.TEXT, "",
            "PEM CA certificates that vouch for client certificates (used by `security.tls_client_auth`)");
    static final ConfigKey<String> TLS_CLIENT_AUTH = ConfigKey.used("security.tls_client_auth",
            ValueType.oneOf("none", "request", "require"), "none",
            "client certificates: `none` never asks (upstream), `request` asks and refuses one the CA does not "
                    + "vouch for, `require` also refuses a client without one (mutual TLS); the latter two need "
                    + "`security.tls_ca_file`");
    static final ConfigKey<Boolean> TLS_AUTO_GENERATE = ConfigKey.used("security.tls_auto_generate",
            ValueType.BOOLEAN, false,
            "without certificate files: make a development CA and server certificate under `data_dir/tls/` on first "
                    + "start and reuse them; clients trust `data_dir/tls/ca.crt`");
    static final ConfigKey<Long> TLS_HANDSHAKE_TIMEOUT_MS = ConfigKey.used("security.tls_handshake_timeout_ms",
            ValueType.longs(1, Long.MAX_VALUE), 10_000L,
            "a TLS connection that has not completed its handshake this long after it was accepted is closed");
    static final ConfigKey<Long> TLS_RELOAD_INTERVAL_MS = ConfigKey.used("security.tls_reload_interval_ms",
            ValueType.longs(0, Long.MAX_VALUE), 10_000L,
            "how often the TLS files are checked for changes (new connections then get the new certificate; a "
                    + "broken set keeps the old one and logs one WARN); 0 = never");

    static final ConfigKey<Boolean> ENCRYPTION_ENABLED = ConfigKey.used("security.encryption_enabled",
            ValueType.BOOLEAN, false,
            "encrypt record values in the segment files (AES-256-GCM) and, in a cluster, the Raft logs; the key comes "
                    + "from `FLYMQ_ENCRYPTION_KEY` or `security.encryption_key_file`, never from this file "
                    + "([security.md](security.md#encryption-at-rest))");
    static final ConfigKey<String> ENCRYPTION_KEY_FILE = ConfigKey.used("security.encryption_key_file",
            ValueType.TEXT, "",
            "file holding the at-rest key as 64 hexadecimal characters (mode 0600); instead of `FLYMQ_ENCRYPTION_KEY`");

    static final ConfigKey<String> ENCRYPTION_PREVIOUS_KEYS_FILE = ConfigKey.used(
            "security.encryption_previous_keys_file", ValueType.TEXT, "",
            "file holding the keys of earlier rotations (64 hexadecimal characters each, one per line, mode 0600), "
                    + "instead of `FLYMQ_ENCRYPTION_PREVIOUS_KEYS`: records they sealed stay readable, new ones are "
                    + "sealed under the current key (a cluster node's Raft logs too) "
                    + "([security.md](security.md#key-rotation))");

    static final ConfigKey<String> CLUSTER_SECRET_FILE = ConfigKey.used("cluster.secret_file", ValueType.TEXT, "",
            "file holding the secret every node of the cluster shares (at least 16 bytes, mode 0600), instead of "
                    + "`FLYMQ_CLUSTER_SECRET`; with one, every cluster connection is authenticated and a node without "
                    + "it cannot join, vote or append ([security.md](security.md#cluster-authentication))");

    static final ConfigKey<Boolean> CLUSTER_TLS_ENABLED = ConfigKey.used("cluster.tls_enabled", ValueType.BOOLEAN,
            false, "mutual TLS on every cluster connection: each node presents `cluster.tls_cert_file` and accepts only "
                    + "peers whose certificate the cluster CA (`cluster.tls_ca_file`) issued; works with or without "
                    + "the cluster secret ([security.md](security.md#cluster-mutual-tls))");
    static final ConfigKey<String> CLUSTER_TLS_CERT_FILE = ConfigKey.used("cluster.tls_cert_file", ValueType.TEXT,
            "", "PEM certificate chain of this node, issued by the cluster CA (valid for TLS server and client "
                    + "authentication)");
    static final ConfigKey<String> CLUSTER_TLS_KEY_FILE = ConfigKey.used("cluster.tls_key_file", ValueType.TEXT, "",
            "PEM private key of `cluster.tls_cert_file` (mode 0600)");
    static final ConfigKey<String> CLUSTER_TLS_CA_FILE = ConfigKey.used("cluster.tls_ca_file", ValueType.TEXT, "",
            "PEM certificate of the cluster CA: the only issuer whose node certificates are accepted");

    static final ConfigKey<String> RACK = ConfigKey.used("cluster.rack", ValueType.TEXT, "",
            "this node's rack (or zone); topic creation, partition growth and a rebalance never put two replicas of a "
                    + "partition in one rack while there are enough racks (empty: a rack of its own)");
    static final ConfigKey<Long> REASSIGNMENT_BYTES_PER_SEC = ConfigKey.used("cluster.reassignment_bytes_per_sec",
            ValueType.longs(0, Long.MAX_VALUE), 0L,
            "bytes per second a replica being added by a reassignment copies at, over all its partitions (0 = "
                    + "unthrottled); voters never wait for it");
    static final ConfigKey<Long> LEADER_BALANCE_INTERVAL_MS = ConfigKey.used("cluster.leader_balance_interval_ms",
            ValueType.longs(0, Long.MAX_VALUE), 30_000L,
            "how often a partition leader hands leadership to the partition's preferred replica (its first) when "
                    + "that one is back in sync; 0 = only on `flymq cluster elect-leaders`");
    static final ConfigKey<Long> REASSIGNMENT_MAX_CONCURRENT = ConfigKey.used("cluster.reassignment_max_concurrent",
            ValueType.longs(0, 100_000), (long) DEFAULT_REASSIGNMENT_MAX_CONCURRENT,
            "how many partition moves of a rebalance or drain are in progress at once in the cluster; the others "
                    + "wait in the replicated queue and start as earlier ones finish (0 = all at once)");
    static final ConfigKey<Long> RAFT_LOG_BYTES = ConfigKey.used("cluster.raft_log_bytes",
            ValueType.longs(1, Long.MAX_VALUE), 32L * 1024 * 1024,
            "command bytes the node's Raft logs may hold after their last snapshots; beyond it the group holding "
                    + "most takes a snapshot at once, and a snapshot keeps at most an eighth of it below itself "
                    + "([cluster.md](cluster.md#memory-bounds))").shownAs("`33554432` (32 MiB)");
    static final ConfigKey<Long> RAFT_INBOUND_BYTES = ConfigKey.used("cluster.raft_inbound_bytes",
            ValueType.longs(1, Long.MAX_VALUE), 16L * 1024 * 1024,
            "entry bytes received from leaders and waiting for their group's Raft thread; beyond it the cluster "
                    + "connection stops reading").shownAs("`16777216` (16 MiB)");
    static final ConfigKey<Long> RAFT_APPEND_BYTES = ConfigKey.used("cluster.raft_append_bytes",
            ValueType.longs(1, MAX_RAFT_APPEND_BYTES), 1024L * 1024,
            "most command bytes in one AppendEntries request to a follower (at least one entry is sent)")
            .shownAs("`1048576` (1 MiB)");
    static final ConfigKey<Long> TRANSPORT_READ_BYTES = ConfigKey.used("cluster.transport_read_bytes",
            ValueType.longs(1, Long.MAX_VALUE), 16L * 1024 * 1024,
            "bytes of cluster frames being read and decoded at once, over all inbound cluster connections")
            .shownAs("`16777216` (16 MiB)");
    static final ConfigKey<Long> TRANSPORT_QUEUE_BYTES = ConfigKey.used("cluster.transport_queue_bytes",
            ValueType.longs(1, Long.MAX_VALUE), 8L * 1024 * 1024,
            "encoded frames waiting to be written to one peer; beyond it frames are dropped (Raft resends)")
            .shownAs("`8388608` (8 MiB)");
    static final ConfigKey<Long> PRODUCE_INFLIGHT_BYTES = ConfigKey.used("cluster.produce_inflight_bytes",
            ValueType.longs(1, Long.MAX_VALUE), 32L * 1024 * 1024,
            "produced bytes this node has proposed as partition leader and not yet applied; a produce beyond it "
                    + "waits").shownAs("`33554432` (32 MiB)");
    static final ConfigKey<Long> FORWARD_INFLIGHT_BYTES = ConfigKey.used("cluster.forward_inflight_bytes",
            ValueType.longs(1, Long.MAX_VALUE), 16L * 1024 * 1024,
            "request and answer bytes this node is forwarding to leaders at once; a forward beyond it waits")
            .shownAs("`16777216` (16 MiB)");
    static final ConfigKey<Long> BUDGET_WAIT_MS = ConfigKey.used("cluster.budget_wait_ms",
            ValueType.longs(1, Long.MAX_VALUE), 10_000L,
            "how long a produce or forward waits for room in its budget before it is refused with `cluster busy: "
                    + "...`");

    static final ConfigKey<Boolean> AUTH_ENABLED = ConfigKey.used("auth.enabled", ValueType.BOOLEAN, false,
            "require AUTH and check every request against roles and topic ACLs ([security.md](security.md))");
    static final ConfigKey<Boolean> AUTH_RBAC_ENABLED = ConfigKey.used("auth.rbac_enabled", ValueType.BOOLEAN, true,
            "as upstream, roles are always checked while `auth.enabled` is true: `false` only prints a warning");
    static final ConfigKey<Boolean> AUTH_ALLOW_ANONYMOUS = ConfigKey.used("auth.allow_anonymous", ValueType.BOOLEAN,
            false, "connections that never sent AUTH may read and write public topics");
    static final ConfigKey<Boolean> AUTH_DEFAULT_PUBLIC = ConfigKey.used("auth.default_public", ValueType.BOOLEAN,
            true, "a topic without an ACL is public: every logged-in user (and anonymous ones when allowed) may read "
                    + "and write it");
    static final ConfigKey<String> AUTH_ADMIN_USERNAME = ConfigKey.used("auth.admin_username", ValueType.TEXT,
            "admin", "the bootstrap admin: a user with role `admin` for as long as a password is configured");
    static final ConfigKey<String> AUTH_ADMIN_PASSWORD = ConfigKey.used("auth.admin_password", ValueType.TEXT, "",
            "the bootstrap admin's password; prefer `FLYMQ_AUTH_ADMIN_PASSWORD` or `auth.admin_password_file`. "
                    + "Never logged. In a cluster without a cluster secret every node needs the same one: nodes "
                    + "then forward requests to leaders as this user (with a secret they log in as nodes)");
    static final ConfigKey<String> AUTH_ADMIN_PASSWORD_FILE = ConfigKey.used("auth.admin_password_file",
            ValueType.TEXT, "", "a file whose first line is the bootstrap admin's password (used when "
                    + "`auth.admin_password` is empty)");
    static final ConfigKey<Integer> AUTH_HASH_ITERATIONS = ConfigKey.used("auth.password_hash_iterations",
            ValueType.ints(1000, 10_000_000), 600_000,
            "PBKDF2-HMAC-SHA256 iterations of new password hashes (stored hashes keep their own count)");
    static final ConfigKey<Boolean> AUDIT_ENABLED = ConfigKey.used("audit.enabled", ValueType.BOOLEAN, true,
            "append security events to the audit trail (JSON lines)");
    static final ConfigKey<String> AUDIT_LOG_DIR = ConfigKey.used("audit.log_dir", ValueType.TEXT, "",
            "where the audit files go; empty = `audit/` under `data_dir`");
    static final ConfigKey<Long> AUDIT_MAX_FILE_SIZE = ConfigKey.used("audit.max_file_size",
            ValueType.longs(4096, Long.MAX_VALUE), 100L * 1024 * 1024,
            "bytes after which the current audit file is closed and a new one begun")
            .shownAs("`104857600` (100 MiB)");
    static final ConfigKey<Integer> AUDIT_RETENTION_DAYS = ConfigKey.used("audit.retention_days",
            ValueType.ints(0, Integer.MAX_VALUE), 90, "closed audit files older than this are deleted; 0 = kept");

    static final ConfigKey<Boolean> SCHEMA_ENABLED = ConfigKey.used("schema.enabled", ValueType.BOOLEAN, false,
            "enforce registered schemas on PRODUCE, BATCH_PRODUCE, PRODUCE_WITH_SCHEMA and transactional produce (a "
                    + "topic's schema is the latest version of subject `TOPIC-value`, else `TOPIC`); the registry "
                    + "opcodes work either way "
                    + "([schemas.md](schemas.md))");
    static final ConfigKey<String> SCHEMA_VALIDATION = ConfigKey.used("schema.validation",
            ValueType.oneOf("strict", "warn", "none"), "strict",
            "with `schema.enabled`: `strict` refuses a record that breaks its topic's schema (naming the schema, "
                    + "version and first violation), `warn` counts it in `flymq_schema_validation_failures_total` "
                    + "and stores it, `none` checks nothing");
    static final ConfigKey<String> SCHEMA_COMPATIBILITY = ConfigKey.used("schema.compatibility",
            ValueType.oneOf("none", "backward", "backward_transitive", "forward", "forward_transitive", "full",
                    "full_transitive"), "backward",
            "compatibility mode of subjects that set none (a registration may set its subject's), checked when a "
                    + "new version is registered");
    static final ConfigKey<Boolean> DLQ_ENABLED = ConfigKey.used("dlq.enabled", ValueType.BOOLEAN, false,
            "serve dead-letter queues: DLQ_NACK, replay and purge, and dead-lettering of records a consumer group "
                    + "fails more than `dlq.max_retries` times or that break their schema in `warn` mode "
                    + "([dlq.md](dlq.md)); FETCH_DLQ answers an empty list without it, as upstream");
    static final ConfigKey<Integer> DLQ_MAX_RETRIES = ConfigKey.used("dlq.max_retries", ValueType.ints(0, 1_000_000),
            3, "redeliveries a consumer group gets for a record it reports failed (DLQ_NACK) before the next failure "
                    + "dead-letters it");
    static final ConfigKey<Long> DLQ_RETRY_DELAY = ConfigKey.used("dlq.retry_delay",
            ValueType.longs(0, Long.MAX_VALUE / 2), 1000L,
            "milliseconds a group waits after a failure before it processes the record again (upstream's key and "
                    + "unit): the broker gives that group no records of the partition until then, on every node and "
                    + "connection, and keeps the hold across restarts "
                    + "([dlq.md](dlq.md#retry-delay-kept-by-the-broker)); `0` takes no hold");
    static final ConfigKey<String> DLQ_TOPIC_SUFFIX = ConfigKey.used("dlq.topic_suffix", ValueType.TEXT, ".dlq",
            "suffix naming a topic's dead-letter queue: `orders` + `.dlq` = topic `orders.dlq`");
    static final ConfigKey<Boolean> TRANSACTION_ENABLED = ConfigKey.used("transaction.enabled", ValueType.BOOLEAN,
            true, "serve the transaction opcodes (BEGIN_TX 0x40 to PRODUCE_TX 0x43, our 0xC2 and 0xC3); `false` "
                    + "refuses them with an error ([transactions.md](transactions.md)). Upstream's default is "
                    + "`false`; this broker's transactions are on unless turned off");
    static final ConfigKey<Long> TRANSACTION_TIMEOUT = ConfigKey.used("transaction.timeout",
            ValueType.longs(1, Long.MAX_VALUE / 1000), 60L,
            "seconds a transaction may stay open after BEGIN_TX; then the broker aborts it, so that read-committed "
                    + "readers never wait behind it for longer");

    /** Every key this broker acts on, in documentation order. */
    static final List<ConfigKey<?>> KEYS = List.of(BIND_ADDR, CLUSTER_ADDR, ADVERTISED_ADDR, NODE_ID, PEERS,
            CLUSTER_SECRET_FILE, CLUSTER_TLS_ENABLED, CLUSTER_TLS_CERT_FILE, CLUSTER_TLS_KEY_FILE, CLUSTER_TLS_CA_FILE,
            RACK, REASSIGNMENT_BYTES_PER_SEC, LEADER_BALANCE_INTERVAL_MS, REASSIGNMENT_MAX_CONCURRENT,
            RAFT_LOG_BYTES, RAFT_INBOUND_BYTES, RAFT_APPEND_BYTES, TRANSPORT_READ_BYTES, TRANSPORT_QUEUE_BYTES,
            PRODUCE_INFLIGHT_BYTES, FORWARD_INFLIGHT_BYTES, BUDGET_WAIT_MS, DATA_DIR, SEGMENT_BYTES, RETENTION_BYTES, RETENTION_MS, LOG_LEVEL, AUTO_CREATE_TOPICS, DEFAULT_PARTITIONS,
            DEFAULT_TTL, MAX_DELAY, ACKS, SYNC_INTERVAL_MS, SESSION_TIMEOUT_MS, IDLE_TIMEOUT_MS, WRITE_TIMEOUT_MS, READ_SPIN_US,
            MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP, MAX_INFLIGHT_REQUEST_BYTES,
            TRACING_ENABLED, TRACING_ENDPOINT, TRACING_SAMPLE_RATE, TRACING_SERVICE_NAME, TRACING_PROTOCOL,
            METRICS_ENABLED, METRICS_ADDR, METRICS_TLS_ENABLED, METRICS_TLS_CERT_FILE, METRICS_TLS_KEY_FILE,
            METRICS_TLS_AUTO_GENERATE, HEALTH_ADDR, HEALTH_TLS_ENABLED, HEALTH_TLS_CERT_FILE, HEALTH_TLS_KEY_FILE,
            HEALTH_TLS_AUTO_GENERATE, HEALTH_TLS_USE_ADMIN_CERT, ADMIN_ENABLED, ADMIN_ADDR, ADMIN_CORS_ORIGINS, ADMIN_TLS_ENABLED, ADMIN_TLS_CERT_FILE,
            ADMIN_TLS_KEY_FILE, ADMIN_TLS_AUTO_GENERATE, SCHEMA_ENABLED,
            SCHEMA_VALIDATION, SCHEMA_COMPATIBILITY, DLQ_ENABLED, DLQ_MAX_RETRIES, DLQ_RETRY_DELAY, DLQ_TOPIC_SUFFIX,
            TRANSACTION_ENABLED, TRANSACTION_TIMEOUT,
            TLS_ENABLED, TLS_ADDR, TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE, TLS_CLIENT_AUTH, TLS_AUTO_GENERATE,
            TLS_HANDSHAKE_TIMEOUT_MS, TLS_RELOAD_INTERVAL_MS, ENCRYPTION_ENABLED, ENCRYPTION_KEY_FILE,
            ENCRYPTION_PREVIOUS_KEYS_FILE, AUTH_ENABLED,
            AUTH_RBAC_ENABLED, AUTH_ALLOW_ANONYMOUS, AUTH_DEFAULT_PUBLIC, AUTH_ADMIN_USERNAME, AUTH_ADMIN_PASSWORD,
            AUTH_ADMIN_PASSWORD_FILE, AUTH_HASH_ITERATIONS, AUDIT_ENABLED, AUDIT_LOG_DIR, AUDIT_MAX_FILE_SIZE,
            AUDIT_RETENTION_DAYS);

    /** All defaults (no file, no environment, no flags). */
    public static BrokerConfig defaults() {
        return load(null, Map.of(), Map.of());
    }

    /**
     * Loads the configuration.
     *
     * @param fileOrNull JSON file, or null for none
     * @param env        environment (only the keys' {@code FLYMQ_*} variables are read)
     * @param flags      key path to text value
     * @throws ConfigException on an unreadable file, an unknown key or a bad value
     */
    public static BrokerConfig load(Path fileOrNull, Map<String, String> env, Map<String, String> flags) {
        ConfigLoader.Loaded v = new ConfigLoader(KEYS, UpstreamKeys.KEYS).load(fileOrNull, env, flags);
        String nodeId = v.get(NODE_ID);
        if (v.get(CLUSTER_ADDR).isEmpty() && !v.get(PEERS).isEmpty()) {
            throw new ConfigException("invalid value for 'cluster_addr': a cluster member (peers " + v.get(PEERS)
                    + ") needs the host:port its Raft traffic is received on, found ''");
        }
        List<String> warnings = new java.util.ArrayList<>(v.warnings());
        if (v.get(AUTH_ENABLED) && !v.get(AUTH_RBAC_ENABLED)) {
            warnings.add("auth.rbac_enabled = false is not acted on: with auth.enabled, roles are always checked "
                    + "(as upstream FlyMQ does)");
        }
        Tls tls = loadTls(v, v.get(BIND_ADDR), warnings);
        boolean encrypt = v.get(ENCRYPTION_ENABLED) || "true".equalsIgnoreCase(
                env.getOrDefault(SecretSources.UPSTREAM_ENCRYPTION_ENABLED_ENV, "").strip());
        EncryptionKey encryptionKey = SecretSources.withPreviousKeys(SecretSources.encryptionKey(encrypt,
                v.get(ENCRYPTION_KEY_FILE).trim(), env, warnings), v.get(ENCRYPTION_PREVIOUS_KEYS_FILE).trim(), env,
                warnings);
        ClusterAuth clusterAuth = SecretSources.clusterAuth(v.get(CLUSTER_SECRET_FILE).trim(), env, warnings);
        return new BrokerConfig(
                v.get(BIND_ADDR),
                v.get(CLUSTER_ADDR),
                v.get(ADVERTISED_ADDR),
                nodeId.isEmpty() ? defaultNodeId() : nodeId,
                v.get(PEERS),
                Path.of(v.get(DATA_DIR)),
                v.get(SEGMENT_BYTES),
                v.get(RETENTION_BYTES),
                v.get(RETENTION_MS),
                v.get(LOG_LEVEL),
                v.get(AUTO_CREATE_TOPICS),
                v.get(DEFAULT_PARTITIONS),
                new Performance(v.get(ACKS), v.get(SYNC_INTERVAL_MS)),
                new Groups(v.get(SESSION_TIMEOUT_MS)),
                new Network(v.get(IDLE_TIMEOUT_MS), v.get(WRITE_TIMEOUT_MS), v.get(READ_SPIN_US),
                        v.get(MAX_CONNECTIONS), v.get(MAX_CONNECTIONS_PER_IP), v.get(MAX_INFLIGHT_REQUEST_BYTES)),
                new Observability(
                        new Tracing(v.get(TRACING_ENABLED), v.get(TRACING_ENDPOINT), v.get(TRACING_SAMPLE_RATE),
                                v.get(TRACING_SERVICE_NAME), v.get(TRACING_PROTOCOL)),
                        new Metrics(v.get(METRICS_ENABLED), v.get(METRICS_ADDR), httpTls(v, "observability.metrics",
                                METRICS_TLS_ENABLED, METRICS_TLS_CERT_FILE, METRICS_TLS_KEY_FILE,
                                METRICS_TLS_AUTO_GENERATE, tls)),
                        health(v, tls),
                        admin(v, tls, warnings)),
                new Cluster(v.get(RAFT_LOG_BYTES), v.get(RAFT_INBOUND_BYTES), v.get(RAFT_APPEND_BYTES),
                        v.get(TRANSPORT_READ_BYTES), v.get(TRANSPORT_QUEUE_BYTES), v.get(PRODUCE_INFLIGHT_BYTES),
                        v.get(FORWARD_INFLIGHT_BYTES), v.get(BUDGET_WAIT_MS)),
                new Auth(v.get(AUTH_ENABLED), v.get(AUTH_RBAC_ENABLED), v.get(AUTH_ALLOW_ANONYMOUS),
                        v.get(AUTH_DEFAULT_PUBLIC), v.get(AUTH_ADMIN_USERNAME),
                        adminPassword(v.get(AUTH_ADMIN_PASSWORD), v.get(AUTH_ADMIN_PASSWORD_FILE)),
                        v.get(AUTH_HASH_ITERATIONS)),
                new Audit(v.get(AUDIT_ENABLED), v.get(AUDIT_LOG_DIR), v.get(AUDIT_MAX_FILE_SIZE),
                        v.get(AUDIT_RETENTION_DAYS)),
                new Messaging(v.get(DEFAULT_TTL) * 1000, v.get(MAX_DELAY) * 1000),
                new Schema(v.get(SCHEMA_ENABLED), v.get(SCHEMA_VALIDATION), v.get(SCHEMA_COMPATIBILITY)),
                new Transactions(v.get(TRANSACTION_ENABLED), v.get(TRANSACTION_TIMEOUT) * 1000),
                new DeadLetters(v.get(DLQ_ENABLED), v.get(DLQ_MAX_RETRIES), v.get(DLQ_RETRY_DELAY),
                        dlqSuffix(v.get(DLQ_TOPIC_SUFFIX))),
                tls,
                encryptionKey == null ? Encryption.OFF : new Encryption(encryptionKey),
                clusterAuth,
                clusterTls(v),
                new Placement(v.get(RACK).trim(), v.get(REASSIGNMENT_BYTES_PER_SEC), v.get(LEADER_BALANCE_INTERVAL_MS),
                        v.get(REASSIGNMENT_MAX_CONCURRENT).intValue()),
                List.copyOf(warnings));
    }

    private static ClusterTls clusterTls(ConfigLoader.Loaded v) {
        if (!v.get(CLUSTER_TLS_ENABLED)) {
            return ClusterTls.OFF;
        }
        ClusterTls t = new ClusterTls(true, v.get(CLUSTER_TLS_CERT_FILE).trim(), v.get(CLUSTER_TLS_KEY_FILE).trim(),
                v.get(CLUSTER_TLS_CA_FILE).trim());
        List<String> missing = new java.util.ArrayList<>();
        if (t.certFile().isEmpty()) {
            missing.add("'cluster.tls_cert_file'");
        }
        if (t.keyFile().isEmpty()) {
            missing.add("'cluster.tls_key_file'");
        }
        if (t.caFile().isEmpty()) {
            missing.add("'cluster.tls_ca_file'");
        }
        if (!missing.isEmpty()) {
            throw new ConfigException("'cluster.tls_enabled' needs the node's certificate, its key and the cluster CA; "
                    + "missing " + String.join(", ", missing));
        }
        return t;
    }

    private static String dlqSuffix(String suffix) {
        if (suffix.isEmpty() || !suffix.matches("[A-Za-z0-9._-]+")) {
            throw new ConfigException("invalid value for 'dlq.topic_suffix': expected letters, digits, '.', '_' or "
                    + "'-' (it ends a topic name), found '" + suffix + "'");
        }
        return suffix;
    }

    /**
     * The one start-up warning of a broker that listens on non-loopback addresses without authentication (which
     * listeners, and what to do), or empty; the launchers print it after {@link #warnings()}.
     */
    public Optional<String> exposureWarning() {
        return Exposure.warning(this);
    }

    /** The configured password, else the first line of the password file, else empty (no bootstrap admin). */
    private static String adminPassword(String password, String file) {
        if (!password.isEmpty() || file.isEmpty()) {
            return password;
        }
        try {
            String first = java.nio.file.Files.readString(Path.of(file)).lines().findFirst().orElse("");
            if (first.isEmpty()) {
                throw new ConfigException("invalid value for 'auth.admin_password_file': " + file
                        + " is empty, expected the password on its first line");
            }
            return first;
        } catch (java.io.IOException e) {
            throw new ConfigException("invalid value for 'auth.admin_password_file': cannot read " + file + ": " + e);
        }
    }

    private static Tls loadTls(ConfigLoader.Loaded v, String bindAddr, List<String> warnings) {
        Tls t = new Tls(v.get(TLS_ENABLED), v.get(TLS_ADDR), v.get(TLS_CERT_FILE).trim(), v.get(TLS_KEY_FILE).trim(),
                v.get(TLS_CA_FILE).trim(), ClientAuth.valueOf(v.get(TLS_CLIENT_AUTH).toUpperCase(Locale.ROOT)),
                v.get(TLS_AUTO_GENERATE), v.get(TLS_HANDSHAKE_TIMEOUT_MS), v.get(TLS_RELOAD_INTERVAL_MS));
        if (!t.enabled()) {
            if (!t.addr().isEmpty()) {
                throw new ConfigException("invalid value for 'security.tls_addr': a TLS listener needs "
                        + "'security.tls_enabled' true");
            }
            return t;
        }
        if (t.certFile().isEmpty() != t.keyFile().isEmpty()) {
            throw new ConfigException("TLS needs both 'security.tls_cert_file' and 'security.tls_key_file', found only "
                    + (t.certFile().isEmpty() ? "the key file" : "the certificate file"));
        }
        if (t.certFile().isEmpty() && !t.autoGenerate()) {
            // upstream's installer writes exactly this, and upstream then serves plaintext: so does this broker,
            // loudly, so that an upstream file keeps its clients working
            warnings.add("'security.tls_enabled' is true but neither 'security.tls_cert_file' and "
                    + "'security.tls_key_file' nor 'security.tls_auto_generate' is set: serving PLAINTEXT, as upstream "
                    + "FlyMQ does (give the PEM files, or set 'security.tls_auto_generate' for a development "
                    + "certificate)");
            return Tls.OFF;
        }
        if (t.clientAuth() != ClientAuth.NONE && t.caFile().isEmpty()) {
            throw new ConfigException("'security.tls_client_auth' " + t.clientAuth().name().toLowerCase(Locale.ROOT)
                    + " needs 'security.tls_ca_file': the CA certificates that vouch for client certificates");
        }
        if (t.addr().isEmpty() && !v.get(PEERS).isEmpty() && t.certFile().isEmpty()) {
            // nodes forward requests to each other's bind_addr over TLS and must verify each other's certificate:
            // every node's development CA is its own
            throw new ConfigException("'security.tls_auto_generate' in a cluster (peers " + v.get(PEERS) + ") with "
                    + "TLS on 'bind_addr': the nodes could not verify each other's development certificates when they "
                    + "forward requests; give certificates from one CA ('security.tls_cert_file' and "
                    + "'security.tls_key_file', with 'security.tls_ca_file' or 'cluster.tls_*'), or serve TLS on "
                    + "'security.tls_addr' beside a plaintext 'bind_addr' on a private network");
        }
        if (!t.addr().isEmpty()) {
            String tlsPort = t.addr().substring(t.addr().lastIndexOf(':') + 1);
            String plainPort = bindAddr.substring(bindAddr.lastIndexOf(':') + 1);
            if (!tlsPort.equals("0") && tlsPort.equals(plainPort)) {
                throw new ConfigException("'security.tls_addr' " + t.addr() + " and 'bind_addr' " + bindAddr
                        + " use the same port; give TLS a port of its own, or leave 'security.tls_addr' empty to "
                        + "serve TLS on 'bind_addr'");
            }
        }
        return t;
    }

    /**
     * The health listener: its HTTPS as the metrics listener's, except that {@code tls_use_admin_cert} (upstream's
     * key) takes the admin listener's certificate when the health listener has no files of its own.
     */
    private static Health health(ConfigLoader.Loaded v, Tls client) {
        boolean ownFiles = !v.get(HEALTH_TLS_CERT_FILE).trim().isEmpty() || !v.get(HEALTH_TLS_KEY_FILE).trim().isEmpty();
        if (v.get(HEALTH_TLS_ENABLED) && v.get(HEALTH_TLS_USE_ADMIN_CERT) && !ownFiles) {
            if (!v.get(ADMIN_TLS_ENABLED)) {
                throw new ConfigException("'observability.health.tls_use_admin_cert' needs the admin listener's "
                        + "certificate, but 'observability.admin.tls_enabled' is false; turn it on, or give the health "
                        + "listener its own 'observability.health.tls_cert_file' and 'tls_key_file'");
            }
            return new Health(v.get(HEALTH_ADDR), httpTls(v, "observability.admin", ADMIN_TLS_ENABLED,
                    ADMIN_TLS_CERT_FILE, ADMIN_TLS_KEY_FILE, ADMIN_TLS_AUTO_GENERATE, client));
        }
        return new Health(v.get(HEALTH_ADDR), httpTls(v, "observability.health", HEALTH_TLS_ENABLED,
                HEALTH_TLS_CERT_FILE, HEALTH_TLS_KEY_FILE, HEALTH_TLS_AUTO_GENERATE, client));
    }

    private static Admin admin(ConfigLoader.Loaded v, Tls client, List<String> warnings) {
        Admin a = new Admin(v.get(ADMIN_ENABLED), v.get(ADMIN_ADDR), v.get(ADMIN_CORS_ORIGINS),
                httpTls(v, "observability.admin", ADMIN_TLS_ENABLED, ADMIN_TLS_CERT_FILE, ADMIN_TLS_KEY_FILE,
                        ADMIN_TLS_AUTO_GENERATE, client));
        if (a.enabled() && !a.tls().enabled() && !loopback(a.addr())) {
            warnings.add("'observability.admin.addr' " + a.addr() + " is not a loopback address and "
                    + "'observability.admin.tls_enabled' is false: the admin API and console, which can change "
                    + "everything, are served in plain HTTP to the network (set 'observability.admin.tls_enabled', "
                    + "or bind the listener to 127.0.0.1)");
        }
        return a;
    }

    /** Whether a listener address binds only this machine's loopback interface ({@code :9096} binds them all). */
    static boolean loopback(String addr) {
        String host = addr.substring(0, addr.lastIndexOf(':')).trim();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            return false;
        }
        try {
            for (java.net.InetAddress a : java.net.InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (java.net.UnknownHostException e) {
            return false; // the listener fails to bind anyway, with its own message
        }
    }

    private static HttpTls httpTls(ConfigLoader.Loaded v, String section, ConfigKey<Boolean> enabledKey,
                                   ConfigKey<String> certKey, ConfigKey<String> keyKey, ConfigKey<Boolean> autoKey,
                                   Tls client) {
        if (!v.get(enabledKey)) {
            return HttpTls.OFF;
        }
        String cert = v.get(certKey).trim();
        String key = v.get(keyKey).trim();
        if (cert.isEmpty() != key.isEmpty()) {
            throw new ConfigException("'" + section + ".tls_enabled' needs both '" + certKey.path() + "' and '"
                    + keyKey.path() + "', found only " + (cert.isEmpty() ? "the key file" : "the certificate file"));
        }
        if (!cert.isEmpty()) {
            return new HttpTls(true, cert, key, false);
        }
        if (v.get(autoKey)) {
            return new HttpTls(true, "", "", true);
        }
        if (client.enabled()) {
            return client.usesGeneratedCertificate() ? new HttpTls(true, "", "", true)
                    : new HttpTls(true, client.certFile(), client.keyFile(), false);
        }
        throw new ConfigException("'" + section + ".tls_enabled' needs a certificate: '" + certKey.path() + "' and '"
                + keyKey.path() + "', or the client port's ('security.tls_*'), or '" + autoKey.path() + "'");
    }

    /** The host part of {@link Tls#addr()} ({@code ""} = all interfaces). */
    public String tlsHost() {
        return tls.addr().substring(0, tls.addr().lastIndexOf(':'));
    }

    /** The port part of {@link Tls#addr()}. */
    public int tlsPort() {
        return Integer.parseInt(tls.addr().substring(tls.addr().lastIndexOf(':') + 1));
    }

    /** Upstream uses the host name; fall back to a fixed id when the name cannot be resolved. */
    private static String defaultNodeId() {
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "flymq-1";
        }
    }

    /** The host part of {@link #bindAddr()} ({@code ""} = all interfaces). */
    public String bindHost() {
        return bindAddr.substring(0, bindAddr.lastIndexOf(':'));
    }

    /** The port part of {@link #bindAddr()}. */
    public int bindPort() {
        return Integer.parseInt(bindAddr.substring(bindAddr.lastIndexOf(':') + 1));
    }
}
