package flymq.broker.auth;

import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.Opcodes;
import java.util.ArrayList;
import java.util.List;

/**
 * The access rule of every opcode, in one table (wire spec 10.3 and our extensions). A node refuses to start when it
 * serves an opcode that has no rule here ({@link #requireAll}), so a new request cannot slip in unchecked.
 *
 * <p>Beyond upstream's table: BATCH_PRODUCE checks write and BATCH_FETCH read like their single-record forms; the
 * transactional produce forms check write on their topic; COMMIT and TXN_COMMIT_OFFSET check read on the topic
 * (upstream checks nothing on COMMIT, which lets any anonymous connection move any group's offset); schema
 * registration and deletion, cluster membership and the cluster-internal opcodes (CLUSTER_REGISTER,
 * SECURITY_CHANGE, TXN_FORWARD, TXN_APPEND, DELAYED_ENTRIES) need admin, and the nodes of a cluster log in to each other as the bootstrap admin to send them.
 * Reading schemas and running transactions' control requests need nothing: the records they carry are checked
 * where they name a topic.
 */
public final class AccessRules {
    private static final AccessRule[] RULES = new AccessRule[256];

    static {
        rule(AccessRule.WRITE, Opcodes.PRODUCE, ExtensionOpcodes.BATCH_PRODUCE, Opcodes.PRODUCE_WITH_SCHEMA,
                Opcodes.PRODUCE_DELAYED, Opcodes.PRODUCE_WITH_TTL, Opcodes.CANCEL_DELAYED, Opcodes.REPLAY_DLQ);
        // str16 txn_id first
        rule(new AccessRule(AccessRule.Kind.TOPIC_WRITE, 1), Opcodes.PRODUCE_TX);
        // str16 txn_id · i64 sequence, then the BATCH_PRODUCE body
        rule(new AccessRule(AccessRule.Kind.TOPIC_WRITE, 1, 8), ExtensionOpcodes.BATCH_PRODUCE_TX);
        rule(new AccessRule(AccessRule.Kind.TOPIC_READ, 1), ExtensionOpcodes.TXN_COMMIT_OFFSET);
        rule(AccessRule.READ, Opcodes.CONSUME, Opcodes.CONSUME_ZERO_COPY, Opcodes.FETCH, Opcodes.FETCH_BINARY,
                ExtensionOpcodes.BATCH_FETCH, Opcodes.SUBSCRIBE, Opcodes.COMMIT, Opcodes.GET_OFFSET, Opcodes.GET_LAG,
                Opcodes.SEEK_TO_TIMESTAMP, Opcodes.FETCH_DLQ);
        // str16 group first: reporting a failed record needs read on its topic, as consuming it did
        rule(new AccessRule(AccessRule.Kind.TOPIC_READ, 1), ExtensionOpcodes.DLQ_NACK);
        rule(AccessRule.ADMIN, Opcodes.CREATE_TOPIC, Opcodes.DELETE_TOPIC, ExtensionOpcodes.ALTER_TOPIC,
                ExtensionOpcodes.CREATE_PARTITIONS, Opcodes.RESET_OFFSET, Opcodes.LIST_GROUPS,
                Opcodes.DESCRIBE_GROUP, Opcodes.DELETE_GROUP, Opcodes.USER_CREATE, Opcodes.USER_DELETE,
                Opcodes.USER_UPDATE, Opcodes.USER_LIST, Opcodes.USER_GET, Opcodes.ACL_SET, Opcodes.ACL_GET,
                Opcodes.ACL_DELETE, Opcodes.ACL_LIST, Opcodes.AUDIT_QUERY, Opcodes.AUDIT_EXPORT,
                Opcodes.CLUSTER_JOIN, Opcodes.CLUSTER_LEAVE, ExtensionOpcodes.CLUSTER_MEMBERSHIP,
                ExtensionOpcodes.PARTITION_REASSIGN, ExtensionOpcodes.CLUSTER_BALANCE,
                ExtensionOpcodes.CLUSTER_REGISTER, ExtensionOpcodes.SECURITY_CHANGE, ExtensionOpcodes.TXN_FORWARD,
                ExtensionOpcodes.TXN_APPEND, ExtensionOpcodes.DELAYED_ENTRIES, Opcodes.REGISTER_SCHEMA,
                Opcodes.DELETE_SCHEMA, Opcodes.PURGE_DLQ);
        rule(AccessRule.SELF_OR_ADMIN, Opcodes.PASSWORD_CHANGE);
        rule(AccessRule.NONE, Opcodes.LIST_TOPICS, Opcodes.METADATA, Opcodes.CLUSTER_STATUS, Opcodes.CLUSTER_METADATA,
                ExtensionOpcodes.REASSIGNMENTS,
                Opcodes.AUTH, Opcodes.WHOAMI, Opcodes.ROLE_LIST, Opcodes.GET_SCHEMA, Opcodes.LIST_SCHEMAS,
                Opcodes.VALIDATE_SCHEMA, Opcodes.BEGIN_TX, Opcodes.COMMIT_TX, Opcodes.ABORT_TX);
    }

    private AccessRules() {
    }

    private static void rule(AccessRule rule, int... opcodes) {
        for (int op : opcodes) {
            if (RULES[op] != null) {
                throw new IllegalStateException("opcode " + Opcodes.name(op) + " has two access rules");
            }
            RULES[op] = rule;
        }
    }

    /** The opcode's rule, or null when it has none. */
    public static AccessRule of(int opcode) {
        return RULES[opcode];
    }

    /** Throws, naming them, when any of {@code opcodes} has no rule. */
    public static void requireAll(int[] opcodes) {
        List<String> missing = new ArrayList<>();
        for (int op : opcodes) {
            if (RULES[op] == null) {
                missing.add(Opcodes.name(op));
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("opcodes " + missing + " have no access rule: add each to "
                    + AccessRules.class.getName() + " (what a request needs when auth.enabled is true)");
        }
    }
}
