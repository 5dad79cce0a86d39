package flymq.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flymq.protocol.Acks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The broker's configuration, with upstream FlyMQ key names. Sources, highest precedence first:
 * <ol>
 *   <li>flags: a map from key path to text, e.g. {@code "performance.acks" -> "all"} ({@code -} and {@code _} are
 *       interchangeable in flag keys, so {@code bind-addr} works);</li>
 *   <li>environment: {@code FLYMQ_} + the key path upper-cased with dots as underscores, e.g.
 *       {@code FLYMQ_OBSERVABILITY_METRICS_ADDR};</li>
 *   <li>a JSON file whose nested objects mirror the dotted key paths;</li>
 *   <li>defaults.</li>
 * </ol>
 * Unknown keys in the file or flags, and bad values from any source, raise {@link ConfigException} naming the key
 * path and where it came from; the broker then does not start. Unknown {@code FLYMQ_*} variables are ignored
 * because launch scripts set their own. docs/configuration.md lists every key.
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
        Cluster cluster) {

    /** How a produce is acknowledged and how often partition logs are fsynced. */
    public record Performance(Acks acks, long syncIntervalMs) {
    }

    /** Consumer-group membership: a member that sends nothing for this long is removed. */
    public record Groups(long sessionTimeoutMs) {
    }

    /**
     * Connection limits: idle connections close after idleTimeoutMs; a write blocked longer than writeTimeoutMs
     * closes. A connection thread spins up to readSpinMicros for the next request before it blocks (0 = never).
     */
    public record Network(long idleTimeoutMs, long writeTimeoutMs, long readSpinMicros) {
    }

    /**
     * The memory bounds of a node in a cluster (docs/cluster.md, "Memory bounds"): what Raft logs, the Raft
     * transport, produced batches awaiting their commit and forwarded requests may hold, and how long a producer
     * waits for room before it gets an error.
     */
    public record Cluster(long raftLogBytes, long raftInboundBytes, long raftAppendBytes, long transportReadBytes,
                          long transportQueueBytes, long produceInflightBytes, long forwardInflightBytes,
                          long budgetWaitMs) {
    }

    public record Observability(Tracing tracing, Metrics metrics, Health health) {
    }

    public record Tracing(boolean enabled, String endpoint, double sampleRate, String serviceName, String protocol) {
    }

    /**
     * {@code enabled} false: no {@code /metrics} listener and no meter updates on the request path (health and
     * tracing are unaffected).
     */
    public record Metrics(boolean enabled, String addr) {
        public Metrics(String addr) {
            this(true, addr);
        }
    }

    public record Health(String addr) {
    }

    private static final String ENV_PREFIX = "FLYMQ_";

    private enum Type { STRING, ADDR, LIST, LONG_NONNEG, LONG_POS, SEGMENT, INT_POS, BOOL, RATIO, LEVEL, ACKS, PROTOCOL,
        SPIN_US, APPEND_BYTES }

    /** Upper bound of {@code cluster.raft_append_bytes}: an AppendEntries request must stay well inside a frame. */
    public static final long MAX_RAFT_APPEND_BYTES = 16L * 1024 * 1024;

    /** Upper bound of {@code network.read_spin_us}: a longer spin only burns CPU a blocked read would have saved. */
    public static final long MAX_READ_SPIN_US = flymq.protocol.ReadSpin.MAX_BUDGET.toNanos() / 1000;

    private record Key(Type type, Object defaultValue) {
    }

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("bind_addr", new Key(Type.ADDR, ":9092"));
        KEYS.put("cluster_addr", new Key(Type.ADDR, ":9093"));
        KEYS.put("advertised_addr", new Key(Type.STRING, ""));
        KEYS.put("node_id", new Key(Type.STRING, ""));
        KEYS.put("peers", new Key(Type.LIST, List.of()));
        KEYS.put("cluster.raft_log_bytes", new Key(Type.LONG_POS, 32L * 1024 * 1024));
        KEYS.put("cluster.raft_inbound_bytes", new Key(Type.LONG_POS, 16L * 1024 * 1024));
        KEYS.put("cluster.raft_append_bytes", new Key(Type.APPEND_BYTES, 1024L * 1024));
        KEYS.put("cluster.transport_read_bytes", new Key(Type.LONG_POS, 16L * 1024 * 1024));
        KEYS.put("cluster.transport_queue_bytes", new Key(Type.LONG_POS, 8L * 1024 * 1024));
        KEYS.put("cluster.produce_inflight_bytes", new Key(Type.LONG_POS, 32L * 1024 * 1024));
        KEYS.put("cluster.forward_inflight_bytes", new Key(Type.LONG_POS, 16L * 1024 * 1024));
        KEYS.put("cluster.budget_wait_ms", new Key(Type.LONG_POS, 10_000L));
        KEYS.put("data_dir", new Key(Type.STRING, "./data"));
        KEYS.put("segment_bytes", new Key(Type.SEGMENT, 64L * 1024 * 1024));
        KEYS.put("retention_bytes", new Key(Type.LONG_NONNEG, 0L));
        KEYS.put("retention_ms", new Key(Type.LONG_NONNEG, 7L * 24 * 3600 * 1000));
        KEYS.put("log_level", new Key(Type.LEVEL, "info"));
        KEYS.put("auto_create_topics", new Key(Type.BOOL, true));
        KEYS.put("default_partitions", new Key(Type.INT_POS, 1));
        KEYS.put("performance.acks", new Key(Type.ACKS, Acks.LEADER));
        KEYS.put("performance.sync_interval_ms", new Key(Type.LONG_NONNEG, 5L));
        KEYS.put("groups.session_timeout_ms", new Key(Type.LONG_POS, 30_000L));
        KEYS.put("network.idle_timeout_ms", new Key(Type.LONG_POS, 300_000L));
        KEYS.put("network.write_timeout_ms", new Key(Type.LONG_POS, 30_000L));
        KEYS.put("network.read_spin_us", new Key(Type.SPIN_US, flymq.protocol.ReadSpin.DEFAULT_BUDGET.toNanos() / 1000));
        KEYS.put("observability.tracing.enabled", new Key(Type.BOOL, false));
        KEYS.put("observability.tracing.endpoint", new Key(Type.STRING, "localhost:4317"));
        KEYS.put("observability.tracing.sample_rate", new Key(Type.RATIO, 0.1));
        KEYS.put("observability.tracing.service_name", new Key(Type.STRING, "flymq"));
        KEYS.put("observability.tracing.protocol", new Key(Type.PROTOCOL, "grpc"));
        KEYS.put("observability.metrics.enabled", new Key(Type.BOOL, true));
        KEYS.put("observability.metrics.addr", new Key(Type.ADDR, ":9094"));
        KEYS.put("observability.health.addr", new Key(Type.ADDR, ":9095"));
    }

    private static final Set<String> LEVELS = Set.of("debug", "info", "warn", "error");
    private static final Set<String> PROTOCOLS = Set.of("grpc", "http/protobuf");

    /** Every known key path, in documentation order. */
    public static List<String> keyPaths() {
        return List.copyOf(KEYS.keySet());
    }

    /** The environment variable that sets {@code keyPath}. */
    public static String envName(String keyPath) {
        return ENV_PREFIX + keyPath.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** All defaults (no file, no environment, no flags). */
    public static BrokerConfig defaults() {
        return load(null, Map.of(), Map.of());
    }

    /**
     * Loads the configuration.
     *
     * @param fileOrNull JSON file, or null for none
     * @param env        environment (only {@code FLYMQ_*} entries are read)
     * @param flags      key path to text value
     * @throws ConfigException on an unreadable file, an unknown key or a bad value
     */
    public static BrokerConfig load(Path fileOrNull, Map<String, String> env, Map<String, String> flags) {
        Map<String, Object> values = new LinkedHashMap<>();
        KEYS.forEach((k, def) -> values.put(k, def.defaultValue()));
        if (fileOrNull != null) {
            readFile(fileOrNull, values);
        }
        for (String key : KEYS.keySet()) {
            String text = env.get(envName(key));
            if (text != null) {
                values.put(key, parseText(key, text, "environment variable " + envName(key)));
            }
        }
        for (Map.Entry<String, String> flag : flags.entrySet()) {
            String key = flag.getKey().replace('-', '_');
            if (key.startsWith("__")) {
                key = key.substring(2);
            }
            if (!KEYS.containsKey(key)) {
                throw new ConfigException("unknown configuration key '" + flag.getKey() + "' (flag); known keys: "
                        + String.join(", ", KEYS.keySet()));
            }
            values.put(key, parseText(key, flag.getValue(), "flag"));
        }
        return build(values);
    }

    private static void readFile(Path file, Map<String, Object> values) {
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
            return;
        }
        if (!root.isObject()) {
            throw new ConfigException("configuration file " + file + ": the top level must be a JSON object");
        }
        flatten(file, "", (ObjectNode) root, values);
    }

    private static void flatten(Path file, String prefix, ObjectNode node, Map<String, Object> values) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix + e.getKey();
            JsonNode v = e.getValue();
            if (KEYS.containsKey(path)) {
                values.put(path, parseJson(path, v, "file " + file));
            } else if (v.isObject() && KEYS.keySet().stream().anyMatch(k -> k.startsWith(path + "."))) {
                flatten(file, path + ".", (ObjectNode) v, values);
            } else {
                throw new ConfigException("unknown configuration key '" + path + "' in file " + file);
            }
        }
    }

    private static Object parseJson(String key, JsonNode v, String source) {
        Type type = KEYS.get(key).type();
        switch (type) {
            case LIST -> {
                if (v.isArray()) {
                    List<String> items = new ArrayList<>();
                    for (JsonNode item : v) {
                        if (!item.isTextual()) {
                            throw bad(key, source, "a list of strings", item.toString());
                        }
                        items.add(item.asText());
                    }
                    return List.copyOf(items);
                }
                if (v.isTextual()) {
                    return parseText(key, v.asText(), source);
                }
                throw bad(key, source, "a list of strings", v.toString());
            }
            case BOOL -> {
                if (!v.isBoolean()) {
                    throw bad(key, source, "true or false", v.toString());
                }
                return v.asBoolean();
            }
            case LONG_NONNEG, LONG_POS, SEGMENT, INT_POS, RATIO, SPIN_US, APPEND_BYTES -> {
                if (!v.isNumber()) {
                    throw bad(key, source, "a number", v.toString());
                }
                return parseText(key, v.asText(), source);
            }
            case ACKS -> {
                // Kafka's numeric spellings may come as JSON numbers
                if (!v.isTextual() && !v.isIntegralNumber()) {
                    throw bad(key, source, Acks.SPELLINGS, v.toString());
                }
                return parseText(key, v.asText(), source);
            }
            default -> {
                if (!v.isTextual()) {
                    throw bad(key, source, "a string", v.toString());
                }
                return parseText(key, v.asText(), source);
            }
        }
    }

    private static Object parseText(String key, String raw, String source) {
        String text = raw.trim();
        Type type = KEYS.get(key).type();
        return switch (type) {
            case STRING -> text;
            case ADDR -> {
                checkAddress(key, text, source);
                yield text;
            }
            case LIST -> text.isEmpty() ? List.of()
                    : Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            case LONG_NONNEG -> parseLong(key, text, source, 0);
            case LONG_POS -> parseLong(key, text, source, 1);
            case SPIN_US -> {
                long v = parseLong(key, text, source, 0);
                if (v > MAX_READ_SPIN_US) {
                    throw bad(key, source, "microseconds from 0 to " + MAX_READ_SPIN_US, text);
                }
                yield v;
            }
            case APPEND_BYTES -> {
                long v = parseLong(key, text, source, 1);
                if (v > MAX_RAFT_APPEND_BYTES) {
                    throw bad(key, source, "bytes from 1 to " + MAX_RAFT_APPEND_BYTES, text);
                }
                yield v;
            }
            case SEGMENT -> {
                long v = parseLong(key, text, source, flymq.storage.LogConfig.MIN_SEGMENT_BYTES);
                if (v > flymq.storage.LogConfig.MAX_SEGMENT_BYTES) {
                    throw bad(key, source, "an integer from " + flymq.storage.LogConfig.MIN_SEGMENT_BYTES + " to "
                            + flymq.storage.LogConfig.MAX_SEGMENT_BYTES, text);
                }
                yield v;
            }
            case INT_POS -> {
                long v = parseLong(key, text, source, 1);
                if (v > Integer.MAX_VALUE) {
                    throw bad(key, source, "an integer from 1 to " + Integer.MAX_VALUE, text);
                }
                yield (int) v;
            }
            case BOOL -> switch (text.toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw bad(key, source, "true or false", text);
            };
            case RATIO -> {
                double d;
                try {
                    d = Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw bad(key, source, "a number from 0 to 1", text);
                }
                if (!(d >= 0 && d <= 1)) {
                    throw bad(key, source, "a number from 0 to 1", text);
                }
                yield d;
            }
            case LEVEL -> oneOf(key, text.toLowerCase(Locale.ROOT), LEVELS, source, Function.identity());
            case PROTOCOL -> oneOf(key, text.toLowerCase(Locale.ROOT), PROTOCOLS, source, Function.identity());
            case ACKS -> {
                try {
                    yield Acks.parse(text);
                } catch (IllegalArgumentException e) {
                    throw bad(key, source, Acks.SPELLINGS, text);
                }
            }
        };
    }

    private static <T> T oneOf(String key, String text, Set<String> allowed, String source, Function<String, T> map) {
        if (!allowed.contains(text)) {
            throw bad(key, source, "one of " + allowed.stream().sorted().toList(), text);
        }
        return map.apply(text);
    }

    private static long parseLong(String key, String text, String source, long min) {
        long v;
        try {
            v = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw bad(key, source, "an integer >= " + min, text);
        }
        if (v < min) {
            throw bad(key, source, "an integer >= " + min, text);
        }
        return v;
    }

    private static void checkAddress(String key, String text, String source) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw bad(key, source, "host:port or :port", text);
        }
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw bad(key, source, "a port from 0 to 65535", text);
            }
        } catch (NumberFormatException e) {
            throw bad(key, source, "host:port or :port", text);
        }
    }

    private static ConfigException bad(String key, String source, String expected, String found) {
        return new ConfigException("invalid value for '" + key + "' (" + source + "): expected " + expected
                + ", found '" + found + "'");
    }

    @SuppressWarnings("unchecked")
    private static BrokerConfig build(Map<String, Object> v) {
        String nodeId = (String) v.get("node_id");
        if (nodeId.isEmpty()) {
            nodeId = defaultNodeId();
        }
        return new BrokerConfig(
                (String) v.get("bind_addr"),
                (String) v.get("cluster_addr"),
                (String) v.get("advertised_addr"),
                nodeId,
                (List<String>) v.get("peers"),
                Path.of((String) v.get("data_dir")),
                (Long) v.get("segment_bytes"),
                (Long) v.get("retention_bytes"),
                (Long) v.get("retention_ms"),
                (String) v.get("log_level"),
                (Boolean) v.get("auto_create_topics"),
                (Integer) v.get("default_partitions"),
                new Performance((Acks) v.get("performance.acks"), (Long) v.get("performance.sync_interval_ms")),
                new Groups((Long) v.get("groups.session_timeout_ms")),
                new Network((Long) v.get("network.idle_timeout_ms"), (Long) v.get("network.write_timeout_ms"),
                        (Long) v.get("network.read_spin_us")),
                new Observability(
                        new Tracing((Boolean) v.get("observability.tracing.enabled"),
                                (String) v.get("observability.tracing.endpoint"),
                                (Double) v.get("observability.tracing.sample_rate"),
                                (String) v.get("observability.tracing.service_name"),
                                (String) v.get("observability.tracing.protocol")),
                        new Metrics((Boolean) v.get("observability.metrics.enabled"),
                                (String) v.get("observability.metrics.addr")),
                        new Health((String) v.get("observability.health.addr"))),
                new Cluster((Long) v.get("cluster.raft_log_bytes"), (Long) v.get("cluster.raft_inbound_bytes"),
                        (Long) v.get("cluster.raft_append_bytes"), (Long) v.get("cluster.transport_read_bytes"),
                        (Long) v.get("cluster.transport_queue_bytes"), (Long) v.get("cluster.produce_inflight_bytes"),
                        (Long) v.get("cluster.forward_inflight_bytes"), (Long) v.get("cluster.budget_wait_ms")));
    }

    /** Upstream uses the host name; fall back to a fixed id when the name cannot be resolved. */
    private static String defaultNodeId() {
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
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
