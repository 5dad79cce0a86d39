package flymq.client;

/** How much the server does before answering a batch produce (extension opcode; 1.26 PRODUCE is always LEADER). */
public enum Acks {
    /**
     * Fire and forget: the producer completes each record's future as soon as its request is written (offset -1)
     * and reads the server's answer in the background (errors are then not reported to the sender).
     */
    NONE(0),
    /** Answer once the records are appended to the partition leader's log. */
    LEADER(1),
    /** Answer once every in-sync replica has the records (single node: the leader's log is flushed to disk). */
    ALL(2);

    private final int code;

    Acks(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Acks fromCode(int code) {
        for (Acks a : values()) {
            if (a.code == code) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown acks code " + code + " (expected 0 none, 1 leader, 2 all)");
    }

    /** Parses {@code none|leader|all}, also Kafka's {@code 0|1|all|-1}. */
    public static Acks parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "none", "0" -> NONE;
            case "leader", "1" -> LEADER;
            case "all", "-1" -> ALL;
            default -> throw new IllegalArgumentException("acks must be none, leader or all (or 0, 1, -1), got '" + s + "'");
        };
    }
}
