package flymq.broker.auth;

/**
 * What one opcode needs when {@code auth.enabled} is true. For the topic kinds the topic name is found in the request
 * without decoding it: {@code topicField} str16 fields are skipped, then {@code skipBytes} bytes, and the next str16
 * is the topic (every request that names a topic names exactly one).
 */
public record AccessRule(Kind kind, int topicField, int skipBytes) {
    /** Nothing to check (LIST_TOPICS, AUTH, WHOAMI, ...). */
    public static final AccessRule NONE = new AccessRule(Kind.NONE, 0);
    /** Read on the topic in the request's first field. */
    public static final AccessRule READ = new AccessRule(Kind.TOPIC_READ, 0);
    /** Write on the topic in the request's first field. */
    public static final AccessRule WRITE = new AccessRule(Kind.TOPIC_WRITE, 0);
    /** The admin permission. */
    public static final AccessRule ADMIN = new AccessRule(Kind.ADMIN, 0);
    /** The request's first field names a user: that user itself, or an admin (PASSWORD_CHANGE). */
    public static final AccessRule SELF_OR_ADMIN = new AccessRule(Kind.SELF_OR_ADMIN, 0);

    public AccessRule(Kind kind, int topicField) {
        this(kind, topicField, 0);
    }

    public enum Kind {
        NONE,
        TOPIC_READ,
        TOPIC_WRITE,
        ADMIN,
        SELF_OR_ADMIN
    }
}
