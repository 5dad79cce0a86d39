package flymq.protocol;

/**
 * Operation codes of the FlyMQ 1.26 binary protocol (wire spec section 3), as unsigned byte values 0..255.
 *
 * <p>The response opcode equals the request opcode except AUTH (answered with {@link #AUTH_RESPONSE}), WHOAMI
 * (answered with {@link #WHOAMI_RESPONSE}) and any failure (answered with {@link #ERROR}).
 */
public final class Opcodes {
    public static final int PRODUCE = 0x01;
    public static final int CONSUME = 0x02;
    public static final int CREATE_TOPIC = 0x03;
    public static final int METADATA = 0x04;
    public static final int SUBSCRIBE = 0x05;
    public static final int COMMIT = 0x06;
    public static final int FETCH = 0x07;
    public static final int LIST_TOPICS = 0x08;
    public static final int DELETE_TOPIC = 0x09;
    public static final int CONSUME_ZERO_COPY = 0x0A;
    public static final int FETCH_BINARY = 0x0B;
    public static final int PRODUCE_DELAYED = 0x30;
    /** Our addition: upstream names the code but does not serve it (wire spec 11); layout in docs/protocol.md. */
    public static final int CANCEL_DELAYED = 0x31;
    public static final int PRODUCE_WITH_TTL = 0x35;
    public static final int REGISTER_SCHEMA = 0x10;
    public static final int GET_SCHEMA = 0x11;
    public static final int LIST_SCHEMAS = 0x12;
    public static final int VALIDATE_SCHEMA = 0x13;
    public static final int PRODUCE_WITH_SCHEMA = 0x14;
    public static final int DELETE_SCHEMA = 0x15;
    /** Dead letter queues (spec 11): list, replay (id and offset forms), purge; docs/dlq.md. */
    public static final int FETCH_DLQ = 0x20;
    public static final int REPLAY_DLQ = 0x21;
    public static final int PURGE_DLQ = 0x22;
    /** Transactions (spec 11): BEGIN_TX, COMMIT_TX, ABORT_TX, PRODUCE_TX. */
    public static final int BEGIN_TX = 0x40;
    public static final int COMMIT_TX = 0x41;
    public static final int ABORT_TX = 0x42;
    public static final int PRODUCE_TX = 0x43;
    public static final int CLUSTER_JOIN = 0x50;
    public static final int CLUSTER_LEAVE = 0x51;
    public static final int CLUSTER_STATUS = 0x52;
    public static final int CLUSTER_METADATA = 0x53;
    public static final int GET_OFFSET = 0x60;
    public static final int RESET_OFFSET = 0x61;
    public static final int LIST_GROUPS = 0x62;
    public static final int DESCRIBE_GROUP = 0x63;
    public static final int GET_LAG = 0x64;
    public static final int DELETE_GROUP = 0x65;
    public static final int SEEK_TO_TIMESTAMP = 0x66;
    public static final int AUTH = 0x70;
    public static final int AUTH_RESPONSE = 0x71;
    public static final int WHOAMI = 0x72;
    /** WHOAMI is answered with this opcode (spec 1.5). */
    public static final int WHOAMI_RESPONSE = 0x72;
    public static final int USER_CREATE = 0x73;
    public static final int USER_DELETE = 0x74;
    public static final int USER_UPDATE = 0x75;
    public static final int USER_LIST = 0x76;
    public static final int USER_GET = 0x77;
    public static final int ACL_SET = 0x78;
    public static final int ACL_GET = 0x79;
    public static final int ACL_DELETE = 0x7A;
    public static final int ACL_LIST = 0x7B;
    public static final int PASSWORD_CHANGE = 0x7C;
    public static final int ROLE_LIST = 0x7D;
    public static final int AUDIT_QUERY = 0x80;
    public static final int AUDIT_EXPORT = 0x81;
    public static final int ERROR = 0xFF;

    private Opcodes() {
    }

    /** A readable name for logs and error texts; {@code "0x%02X"} for codes this broker does not name. */
    public static String name(int opcode) {
        return switch (opcode) {
            case PRODUCE -> "PRODUCE";
            case CONSUME -> "CONSUME";
            case CREATE_TOPIC -> "CREATE_TOPIC";
            case METADATA -> "METADATA";
            case SUBSCRIBE -> "SUBSCRIBE";
            case COMMIT -> "COMMIT";
            case FETCH -> "FETCH";
            case LIST_TOPICS -> "LIST_TOPICS";
            case DELETE_TOPIC -> "DELETE_TOPIC";
            case CONSUME_ZERO_COPY -> "CONSUME_ZERO_COPY";
            case FETCH_BINARY -> "FETCH_BINARY";
            case PRODUCE_DELAYED -> "PRODUCE_DELAYED";
            case CANCEL_DELAYED -> "CANCEL_DELAYED";
            case PRODUCE_WITH_TTL -> "PRODUCE_WITH_TTL";
            case REGISTER_SCHEMA -> "REGISTER_SCHEMA";
            case GET_SCHEMA -> "GET_SCHEMA";
            case LIST_SCHEMAS -> "LIST_SCHEMAS";
            case VALIDATE_SCHEMA -> "VALIDATE_SCHEMA";
            case PRODUCE_WITH_SCHEMA -> "PRODUCE_WITH_SCHEMA";
            case DELETE_SCHEMA -> "DELETE_SCHEMA";
            case FETCH_DLQ -> "FETCH_DLQ";
            case REPLAY_DLQ -> "REPLAY_DLQ";
            case PURGE_DLQ -> "PURGE_DLQ";
            case BEGIN_TX -> "BEGIN_TX";
            case COMMIT_TX -> "COMMIT_TX";
            case ABORT_TX -> "ABORT_TX";
            case PRODUCE_TX -> "PRODUCE_TX";
            case CLUSTER_JOIN -> "CLUSTER_JOIN";
            case CLUSTER_LEAVE -> "CLUSTER_LEAVE";
            case CLUSTER_STATUS -> "CLUSTER_STATUS";
            case CLUSTER_METADATA -> "CLUSTER_METADATA";
            case GET_OFFSET -> "GET_OFFSET";
            case RESET_OFFSET -> "RESET_OFFSET";
            case LIST_GROUPS -> "LIST_GROUPS";
            case DESCRIBE_GROUP -> "DESCRIBE_GROUP";
            case GET_LAG -> "GET_LAG";
            case DELETE_GROUP -> "DELETE_GROUP";
            case SEEK_TO_TIMESTAMP -> "SEEK_TO_TIMESTAMP";
            case AUTH -> "AUTH";
            case AUTH_RESPONSE -> "AUTH_RESPONSE";
            case WHOAMI -> "WHOAMI";
            case USER_CREATE -> "USER_CREATE";
            case USER_DELETE -> "USER_DELETE";
            case USER_UPDATE -> "USER_UPDATE";
            case USER_LIST -> "USER_LIST";
            case USER_GET -> "USER_GET";
            case ACL_SET -> "ACL_SET";
            case ACL_GET -> "ACL_GET";
            case ACL_DELETE -> "ACL_DELETE";
            case ACL_LIST -> "ACL_LIST";
            case PASSWORD_CHANGE -> "PASSWORD_CHANGE";
            case ROLE_LIST -> "ROLE_LIST";
            case AUDIT_QUERY -> "AUDIT_QUERY";
            case AUDIT_EXPORT -> "AUDIT_EXPORT";
            case ERROR -> "ERROR";
            default -> String.format("0x%02X", opcode);
        };
    }
}
