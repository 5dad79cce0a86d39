package flymq.broker.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flymq.broker.server.Session;
import flymq.protocol.message.AuditEvent;
import flymq.protocol.message.AuditQueryRequest;
import flymq.storage.FileModes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The node's audit trail: security events appended as JSON lines to {@code audit.log} in the audit directory
 * ({@code audit/} under the data directory unless {@code audit.log_dir} says otherwise). One line per event:
 * <pre>
 * {"id":"&lt;uuid&gt;","timestamp_ms":1764720000000,"type":"auth.failure","user":"alice","client_ip":"10.0.0.7",
 *  "resource":"","action":"authenticate","result":"failure","node_id":"n1","details":{"reason":"..."}}
 * </pre>
 * Types: {@code auth.success}, {@code auth.failure}, {@code access.denied}, {@code user.create|update|delete|password},
 * {@code acl.set|delete}, {@code topic.create|alter|delete}, {@code offset.reset}, {@code group.delete},
 * {@code cluster.join|leave}. Passwords are never part of an event.
 *
 * <p>When {@code audit.log} reaches {@code audit.max_file_size} it is renamed {@code audit-<unix ms>.log} and a new
 * one begun; rotated files older than {@code audit.retention_days} are deleted at start-up and at each rotation.
 * A line is flushed to the OS as it is written (not fsynced: an event may be lost with the machine, never half
 * written into the middle of another). A partial last line left by a crash is ended with a newline at the next
 * start, and lines that do not parse are skipped by queries.
 *
 * <p>Each node keeps its own trail of what it served: AUDIT_QUERY answers from the node it is sent to.
 * Queries read the files from oldest to newest; the trail is a record for investigation, not an index.
 */
public final class AuditTrail implements AutoCloseable {
    /** A trail that records nothing ({@code audit.enabled = false}). */
    public static final AuditTrail OFF = new AuditTrail();
    static final String CURRENT = "audit.log";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger(AuditTrail.class.getName());

    private final Path dir;
    private final String nodeId;
    private final long maxFileSize;
    private final Duration retention;
    private OutputStream out;
    private long size;
    private long lastRotationMs;

    private AuditTrail() {
        this.dir = null;
        this.nodeId = "";
        this.maxFileSize = 0;
        this.retention = Duration.ZERO;
    }

    private AuditTrail(Path dir, String nodeId, long maxFileSize, Duration retention) throws IOException {
        this.dir = dir;
        this.nodeId = nodeId;
        this.maxFileSize = maxFileSize;
        this.retention = retention;
        FileModes.createDirectories(dir); // owner-only: audit.log_dir may lie outside the (restricted) data dir
        open();
        deleteExpired();
    }

    /** @param retentionDays 0 keeps rotated files forever */
    public static AuditTrail open(Path dir, String nodeId, long maxFileSize, int retentionDays) {
        try {
            return new AuditTrail(dir, nodeId, maxFileSize, Duration.ofDays(retentionDays));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit trail in " + dir + ": " + e.getMessage(), e);
        }
    }

    public boolean enabled() {
        return dir != null;
    }

    /**
     * Appends one event. {@code user} null means the session's user (empty when anonymous); {@code session} null
     * means a caller without a connection (the admin API). A failing disk is logged, never thrown: the request that
     * caused the event has already been decided.
     */
    public void record(String type, Session session, String user, String resource, String action, String result,
                       Map<String, String> details) {
        if (dir == null) {
            return;
        }
        ObjectNode o = JSON.createObjectNode()
                .put("id", UUID.randomUUID().toString())
                .put("timestamp_ms", System.currentTimeMillis())
                .put("type", type)
                .put("user", user != null ? user : session != null && session.authenticated() ? session.user() : "")
                .put("client_ip", session == null ? "" : session.clientIp())
                .put("resource", resource)
                .put("action", action)
                .put("result", result)
                .put("node_id", nodeId);
        ObjectNode d = o.putObject("details");
        details.forEach(d::put);
        byte[] line = (o + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            if (out == null) {
                return; // closed
            }
            try {
                out.write(line);
                out.flush();
                size += line.length;
                if (size >= maxFileSize) {
                    rotate();
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot append to the audit trail " + dir.resolve(CURRENT) + ": "
                        + e.getMessage());
            }
        }
    }

    /** The page of matching events, oldest first, with the count of all matches. */
    public Page query(AuditQueryRequest q, int defaultLimit, int maxLimit) {
        int limit = q.limit() <= 0 ? defaultLimit : Math.min(q.limit(), maxLimit);
        int offset = Math.max(0, q.offset());
        List<AuditEvent> page = new ArrayList<>();
        int total = 0;
        for (AuditEvent e : all()) {
            if (matches(e, q)) {
                if (total >= offset && page.size() < limit) {
                    page.add(e);
                }
                total++;
            }
        }
        return new Page(page, total, offset + page.size() < total);
    }

    /** One page of a query; {@code hasMore} when later matches exist. */
    public record Page(List<AuditEvent> events, int total, boolean hasMore) {
    }

    private List<AuditEvent> all() {
        if (dir == null) {
            return List.of();
        }
        List<AuditEvent> events = new ArrayList<>();
        synchronized (this) { // no rotation while the files are read
            for (Path f : files()) {
                try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        AuditEvent e = parse(line);
                        if (e != null) {
                            events.add(e);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the audit file " + f + ": " + e.getMessage(), e);
                }
            }
        }
        return events;
    }

    private static boolean matches(AuditEvent e, AuditQueryRequest q) {
        long s = e.timestampMs() / 1000;
        return (q.startSeconds() <= 0 || s >= q.startSeconds())
                && (q.endSeconds() <= 0 || s <= q.endSeconds())
                && (q.types().isEmpty() || q.types().contains(e.type()))
                && (q.user().isEmpty() || q.user().equals(e.user()))
                && (q.resource().isEmpty() || q.resource().equals(e.resource()))
                && (q.result().isEmpty() || q.result().equals(e.result()))
                && (q.search().isEmpty() || searchable(e).contains(q.search().toLowerCase(Locale.ROOT)));
    }

    private static String searchable(AuditEvent e) {
        return String.join("\u0000", e.type(), e.user(), e.clientIp(), e.resource(), e.action(), e.result(),
                String.valueOf(e.details())).toLowerCase(Locale.ROOT);
    }

    private static AuditEvent parse(String line) {
        try {
            JsonNode o = JSON.readTree(line);
            if (o == null || !o.isObject()) {
                return null;
            }
            Map<String, String> details = new LinkedHashMap<>();
            o.path("details").properties().forEach(f -> details.put(f.getKey(), f.getValue().asText()));
            return new AuditEvent(o.path("id").asText(""), o.path("timestamp_ms").asLong(0),
                    o.path("type").asText(""), o.path("user").asText(""), o.path("client_ip").asText(""),
                    o.path("resource").asText(""), o.path("action").asText(""), o.path("result").asText(""),
                    o.path("node_id").asText(""), details);
        } catch (IOException e) {
            return null; // a line cut by a crash
        }
    }

    /** Rotated files oldest first, then the current one. */
    private List<Path> files() {
        List<Path> files = new ArrayList<>(rotated());
        Path current = dir.resolve(CURRENT);
        if (Files.exists(current)) {
            files.add(current);
        }
        return files;
    }

    private List<Path> rotated() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> rotatedAt(p) >= 0).sorted(Comparator.comparingLong(AuditTrail::rotatedAt)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the audit directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The rotation time in a rotated file's name, or -1 for any other file. */
    private static long rotatedAt(Path p) {
        String n = p.getFileName().toString();
        if (!n.startsWith("audit-") || !n.endsWith(".log")) {
            return -1;
        }
        try {
            return Long.parseLong(n.substring("audit-".length(), n.length() - ".log".length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void open() throws IOException {
        Path current = dir.resolve(CURRENT);
        out = Channels.newOutputStream(FileModes.open(current, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE));
        size = Files.size(current);
        if (size > 0 && !endsWithNewline(current)) {
            out.write('\n'); // end a line cut by a crash, so the next event starts on its own line
            out.flush();
            size++;
        }
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            ch.read(last, ch.size() - 1);
            return last.get(0) == '\n';
        }
    }

    private void rotate() throws IOException {
        out.close();
        // two rotations in one millisecond still get two names
        long now = Math.max(System.currentTimeMillis(), lastRotationMs + 1);
        lastRotationMs = now;
        Files.move(dir.resolve(CURRENT), dir.resolve("audit-" + now + ".log"));
        open();
        deleteExpired();
    }

    private void deleteExpired() throws IOException {
        if (retention.isZero()) {
            return;
        }
        long cutoff = System.currentTimeMillis() - retention.toMillis();
        for (Path p : rotated()) {
            if (rotatedAt(p) < cutoff) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // nothing is buffered: every line was flushed as it was written
            }
            out = null;
        }
    }
}
