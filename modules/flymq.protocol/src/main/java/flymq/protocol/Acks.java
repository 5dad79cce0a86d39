package flymq.protocol;

import java.util.Locale;

/**
 * When the broker answers a produce: the one type for the configuration key {@code performance.acks}, the
 * {@code --acks} flags of the CLI, the producer's setting and the acks byte of BATCH_PRODUCE (layout in
 * {@code flymq.protocol.message.BatchProduceRequest}). The 1.26 PRODUCE has no acks field; the broker answers it by its configured acks.
 *
 * <p>What each mode waits for is decided by the broker's acknowledgement seam
 * ({@code flymq.broker.produce.ProduceAcknowledger}), not here: one node flushes its partition log for {@code all},
 * a cluster waits for a majority of the partition's replicas.
 */
public enum Acks {
    /**
     * The broker answers as for {@link #LEADER} (every request gets an answer); the producer does not wait for it:
     * each record's future completes once its request is written, with offset -1.
     */
    NONE(0, "none"),
    /** Answered once the partition leader has the records in its log. */
    LEADER(1, "leader"),
    /** Answered once the records are durable: flushed to disk on one node, held by a majority of replicas in a cluster. */
    ALL(2, "all");

    /** The spellings {@link #parse} accepts, for help texts and error messages. */
    public static final String SPELLINGS = "none, leader or all (Kafka's 0, 1 and -1 also work)";

    private final int code;
    private final String spelling;

    Acks(int code, String spelling) {
        this.code = code;
        this.spelling = spelling;
    }

    /** The acks byte of BATCH_PRODUCE. */
    public int code() {
        return code;
    }

    /** How configuration files, environment variables and flags write it ({@code none}, {@code leader}, {@code all}). */
    public String spelling() {
        return spelling;
    }

    /** The mode of a BATCH_PRODUCE acks byte; {@link IllegalArgumentException} for any other byte. */
    public static Acks fromCode(int code) {
        for (Acks a : values()) {
            if (a.code == code) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown acks " + code + " (0 none, 1 leader, 2 all)");
    }

    /**
     * Parses {@code none}, {@code leader} or {@code all} in any case, and Kafka's {@code 0}, {@code 1} and
     * {@code -1} (so a Kafka user's habit means the same here); {@link IllegalArgumentException} otherwise.
     */
    public static Acks parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "none", "0" -> NONE;
            case "leader", "1" -> LEADER;
            case "all", "-1" -> ALL;
            default -> throw new IllegalArgumentException("acks must be " + SPELLINGS + ", got '" + text + "'");
        };
    }
}
