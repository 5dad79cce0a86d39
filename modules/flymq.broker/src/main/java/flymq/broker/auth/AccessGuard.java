package flymq.broker.auth;

import flymq.broker.BrokerListener;
import flymq.broker.audit.AuditTrail;
import flymq.broker.server.RequestGuard;
import flymq.broker.server.Session;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.message.AlterTopicRequest;
import flymq.protocol.message.CreatePartitionsRequest;
import flymq.protocol.message.CreateTopicRequest;
import flymq.protocol.message.DeleteGroupRequest;
import flymq.protocol.message.DeleteTopicRequest;
import flymq.protocol.message.MembershipRequest;
import flymq.protocol.message.ResetOffsetRequest;
import java.util.Map;

/**
 * The broker's {@link RequestGuard}: checks each request against its {@link AccessRules} entry when
 * {@code auth.enabled} is true (a refusal is counted, audited as {@code access.denied} and answered with the
 * structured ERROR frame), and audits the administrative requests that succeeded (topic create, alter, partition
 * growth and delete, offset reset, group delete, cluster join/leave) whether auth is on or not. User and ACL changes
 * and logins are audited by their handlers, which know the outcome's details.
 *
 * <p>In a cluster a request another node forwarded (to the leader of the metadata group) is audited only where it
 * entered, with the client's address and user: the forwarding node logs in as the bootstrap admin.
 *
 * <p>The topic is read straight from the request bytes ({@link AccessRule}), so a check costs one string per
 * request and no decoding of records.
 */
public final class AccessGuard implements RequestGuard {
    private final Authorizer authorizer;
    private final AuditTrail audit;
    private final BrokerListener listener;
    private final boolean enabled;

    public AccessGuard(Authorizer authorizer, AuditTrail audit, BrokerListener listener) {
        this.authorizer = authorizer;
        this.audit = audit;
        this.listener = listener;
        this.enabled = authorizer.enabled();
    }

    @Override
    public void admit(Session session, int opcode, PayloadReader request) {
        if (!enabled) {
            return;
        }
        AccessRule rule = AccessRules.of(opcode);
        if (rule == null) { // start-up refuses this; kept so that a gap can never mean "allowed"
            throw deny(session, opcode, "", new AccessDeniedException(AccessDeniedException.UNAUTHORIZED,
                    Opcodes.name(opcode) + " has no access rule"));
        }
        String topic = "";
        try {
            switch (rule.kind()) {
                case NONE -> {
                }
                case TOPIC_READ, TOPIC_WRITE -> {
                    topic = topic(request, rule);
                    authorizer.requireTopic(session, topic,
                            rule.kind() == AccessRule.Kind.TOPIC_READ ? Permission.READ : Permission.WRITE);
                }
                case ADMIN -> authorizer.requireAdmin(session, Opcodes.name(opcode));
                case SELF_OR_ADMIN -> {
                    String named = request.str16("username");
                    if (!session.authenticated() || !session.user().equals(named)) {
                        authorizer.requireAdmin(session, Opcodes.name(opcode) + " of another user");
                    }
                }
            }
        } catch (AccessDeniedException e) {
            throw deny(session, opcode, topic, e);
        }
    }

    private static String topic(PayloadReader request, AccessRule rule) {
        for (int i = 0; i < rule.topicField(); i++) {
            request.skip(request.u16("field"), "field");
        }
        request.skip(rule.skipBytes(), "field");
        return request.str16("topic");
    }

    private AccessDeniedException deny(Session session, int opcode, String resource, AccessDeniedException e) {
        listener.requestDenied(Opcodes.name(opcode));
        audit.record("access.denied", session, null, resource, Opcodes.name(opcode), "denied",
                Map.of("reason", e.getMessage()));
        return e;
    }

    @Override
    public boolean follows(int opcode) {
        return audit.enabled() && (opcode == Opcodes.CREATE_TOPIC || opcode == Opcodes.DELETE_TOPIC
                || opcode == ExtensionOpcodes.ALTER_TOPIC || opcode == ExtensionOpcodes.CREATE_PARTITIONS
                || opcode == Opcodes.RESET_OFFSET || opcode == Opcodes.DELETE_GROUP
                || opcode == ExtensionOpcodes.CLUSTER_MEMBERSHIP);
    }

    @Override
    public void served(Session session, int opcode, PayloadReader request) {
        switch (opcode) {
            case Opcodes.CREATE_TOPIC -> {
                CreateTopicRequest r = CreateTopicRequest.read(request);
                if (r.forwarded()) {
                    return;
                }
                audit.record("topic.create", session, null, r.topic(), "create_topic", "success",
                        Map.of("partitions", Integer.toString(r.partitions())));
            }
            case Opcodes.DELETE_TOPIC -> {
                DeleteTopicRequest r = DeleteTopicRequest.read(request);
                if (r.forwarded()) {
                    return;
                }
                audit.record("topic.delete", session, null, r.topic(), "delete_topic", "success", Map.of());
            }
            case ExtensionOpcodes.ALTER_TOPIC -> {
                AlterTopicRequest r = AlterTopicRequest.read(request);
                if (r.forwarded()) {
                    return;
                }
                Map<String, String> settings = new java.util.TreeMap<>();
                r.settings().forEach((k, v) -> settings.put(k, Long.toString(v)));
                audit.record("topic.alter", session, null, r.topic(), "alter_topic", "success", settings);
            }
            case ExtensionOpcodes.CREATE_PARTITIONS -> {
                CreatePartitionsRequest r = CreatePartitionsRequest.read(request);
                if (r.forwarded()) {
                    return;
                }
                audit.record("topic.alter", session, null, r.topic(), "create_partitions", "success",
                        Map.of("partitions", Integer.toString(r.partitions())));
            }
            case Opcodes.RESET_OFFSET -> {
                ResetOffsetRequest r = ResetOffsetRequest.read(request);
                if (r.forwarded()) {
                    return;
                }
                audit.record("offset.reset", session, null, r.topic(), "reset_offset", "success",
                        Map.of("group", r.group(), "partition", Integer.toString(r.partition()), "mode", r.mode()));
            }
            case Opcodes.DELETE_GROUP -> {
                DeleteGroupRequest r = DeleteGroupRequest.read(request);
                if (r.forwarded()) {
                    return;
                }
                audit.record("group.delete", session, null, r.allTopics() ? "" : r.topic(), "delete_group",
                        "success", Map.of("group", r.group()));
            }
            case ExtensionOpcodes.CLUSTER_MEMBERSHIP -> {
                MembershipRequest m = MembershipRequest.read(request);
                if (m.forwarded()) {
                    return;
                }
                audit.record(m.action() == MembershipRequest.JOIN ? "cluster.join" : "cluster.leave", session, null,
                        m.nodeId(), "cluster_membership", "success", Map.of("node", m.nodeId()));
            }
            default -> {
            }
        }
    }
}
