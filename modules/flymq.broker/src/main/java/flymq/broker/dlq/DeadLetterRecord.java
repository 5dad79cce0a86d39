package flymq.broker.dlq;

import flymq.storage.Header;
import flymq.storage.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The records of a dead-letter queue topic ({@code <topic><dlq.topic_suffix>}, one partition), which is an ordinary
 * topic: stored, retained and (in a cluster) replicated like any other, so the queue survives restarts and leader
 * failover with nothing kept elsewhere. Each record says what it is in header {@code flymq.dlq.kind}; every header
 * value is UTF-8 text, so that a plain consumer of the topic (or {@code flymq consume orders.dlq}) can read them.
 *
 * <table>
 *   <caption>Kinds</caption>
 *   <tr><th>kind</th><th>key, value</th><th>headers</th></tr>
 *   <tr><td>{@code dead}</td><td>the dead-lettered record's key and value</td><td>origin-topic, origin-partition,
 *       origin-offset ({@code -1} when the record was never stored: a schema rejection), error, retries (the
 *       redeliveries it got), first-failure-ms, last-failure-ms (Unix ms), reason ({@code max_retries},
 *       {@code schema}), group (the consumer group that failed it, when one did)</td></tr>
 *   <tr><td>{@code retry}</td><td>none, empty</td><td>group, origin-topic, origin-partition, origin-offset, error,
 *       failure-ms, not-before-ms (when the group may read the partition again): one failure a group reported that
 *       left the record retries</td></tr>
 *   <tr><td>{@code replaying}</td><td>none, empty</td><td>replay-of (the {@code dead} record's offset),
 *       origin-partition, origin-end (the origin partition's end offset before the copy was appended)</td></tr>
 *   <tr><td>{@code replayed}</td><td>none, empty</td><td>replay-of, origin-offset (where the copy went)</td></tr>
 * </table>
 *
 * A {@code dead} record stays listed (FETCH_DLQ, {@code flymq dlq list}) until a {@code replayed} record names it.
 * A consumer of the queue topic that wants only the dead letters skips records whose kind is not {@code dead}.
 */
public record DeadLetterRecord(long offset, String kind, byte[] key, byte[] value, List<Header> headers) {
    public static final String PREFIX = "flymq.dlq.";
    public static final String KIND = PREFIX + "kind";
    public static final String ORIGIN_TOPIC = PREFIX + "origin-topic";
    public static final String ORIGIN_PARTITION = PREFIX + "origin-partition";
    public static final String ORIGIN_OFFSET = PREFIX + "origin-offset";
    public static final String ORIGIN_END = PREFIX + "origin-end";
    public static final String ERROR = PREFIX + "error";
    public static final String RETRIES = PREFIX + "retries";
    public static final String FIRST_FAILURE = PREFIX + "first-failure-ms";
    public static final String LAST_FAILURE = PREFIX + "last-failure-ms";
    public static final String FAILURE = PREFIX + "failure-ms";
    public static final String NOT_BEFORE = PREFIX + "not-before-ms";
    public static final String REASON = PREFIX + "reason";
    public static final String GROUP = PREFIX + "group";
    public static final String REPLAY_OF = PREFIX + "replay-of";

    public static final String DEAD = "dead";
    public static final String RETRY = "retry";
    public static final String REPLAYING = "replaying";
    public static final String REPLAYED = "replayed";

    /** The queue record as read from the queue topic; null for a record without a kind (not written by us). */
    static DeadLetterRecord of(StoredRecord r) {
        String kind = null;
        for (Header h : r.headers()) {
            if (h.key().equals(KIND)) {
                kind = new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return kind == null ? null : new DeadLetterRecord(r.offset(), kind, r.key(), r.value(), r.headers());
    }

    public String header(String name) {
        for (Header h : headers) {
            if (h.key().equals(name)) {
                return new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    public long longHeader(String name) {
        String v = header(name);
        try {
            return v.isEmpty() ? -1 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Builds a header list from name, value pairs (values as text). */
    static List<Header> headers(String... pairs) {
        List<Header> out = new ArrayList<>(pairs.length / 2);
        for (int i = 0; i < pairs.length; i += 2) {
            out.add(new Header(pairs[i], pairs[i + 1].getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }
}
