package flymq.broker.topic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flymq.storage.AtomicFile;
import flymq.storage.StorageException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Durable topic definitions in {@code <data_dir>/topics.json}, replaced atomically on every change (write a temp
 * file, fsync, rename, fsync the directory). Format:
 *
 * <pre>
 * {"version": 1,
 *  "topics": [{"name": "orders", "partitions": 3, "replication_factor": 1, "retention_ms": -1,
 *              "retention_bytes": -1, "segment_bytes": -1, "segment_ms": -1, "ttl_ms": -1,
 *              "created_ms": 1764245000000}]}
 * </pre>
 *
 * {@code -1} in a log setting means "use the broker default". An unreadable or malformed file stops start-up with
 * the file name and the problem: guessing would silently drop topics.
 */
final class TopicMetadataStore {
    private static final int VERSION = 1;
    private final AtomicFile file;
    private final ObjectMapper json = new ObjectMapper();

    record Entry(TopicSettings settings, long createdMs) {
    }

    TopicMetadataStore(Path path) {
        this.file = new AtomicFile(path);
    }

    Map<String, Entry> load() {
        Map<String, Entry> out = new LinkedHashMap<>();
        byte[] bytes = file.read().orElse(null);
        if (bytes == null) {
            return out;
        }
        try {
            JsonNode root = json.readTree(bytes);
            int version = root.path("version").asInt(-1);
            if (version != VERSION) {
                throw new StorageException("topic metadata " + file.path() + ": expected version " + VERSION
                        + ", found " + root.path("version"));
            }
            for (JsonNode t : root.path("topics")) {
                String name = t.path("name").asText("");
                int partitions = t.path("partitions").asInt(0);
                if (name.isEmpty() || partitions <= 0) {
                    throw new StorageException("topic metadata " + file.path() + ": bad entry " + t);
                }
                out.put(name, new Entry(new TopicSettings(partitions, t.path("replication_factor").asInt(1),
                        t.path("retention_ms").asLong(-1), t.path("retention_bytes").asLong(-1),
                        t.path("segment_bytes").asLong(-1), t.path("segment_ms").asLong(-1),
                        t.path("ttl_ms").asLong(-1)),
                        t.path("created_ms").asLong(0)));
            }
            return out;
        } catch (IOException e) {
            throw new StorageException("topic metadata " + file.path() + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    void save(Map<String, Entry> topics) {
        ObjectNode root = json.createObjectNode();
        root.put("version", VERSION);
        ArrayNode list = root.putArray("topics");
        topics.forEach((name, e) -> {
            TopicSettings s = e.settings();
            list.addObject().put("name", name).put("partitions", s.partitions())
                    .put("replication_factor", s.replicationFactor()).put("retention_ms", s.retentionMs())
                    .put("retention_bytes", s.retentionBytes()).put("segment_bytes", s.segmentBytes())
                    .put("segment_ms", s.segmentMs()).put("ttl_ms", s.ttlMs()).put("created_ms", e.createdMs());
        });
        try {
            file.write(json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (IOException e) {
            throw new StorageException("cannot encode topic metadata for " + file.path() + ": " + e, e);
        }
    }
}
