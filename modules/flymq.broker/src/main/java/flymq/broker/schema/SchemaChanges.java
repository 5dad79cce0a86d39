package flymq.broker.schema;

import flymq.protocol.message.WireMessage;

/**
 * How a registry change takes effect on this node: a single node applies it to its registry at once; a cluster node
 * replicates it through the metadata Raft group when it leads the group, and otherwise forwards the request once to
 * the leader and relays the leader's answer.
 */
@FunctionalInterface
public interface SchemaChanges {

    /**
     * @param forwardedRequest the request to send the leader (with the forwarded marker)
     * @return null when the change was applied through this node (answer from the local registry), else the
     *         leader's answer payload, to be sent back as it is
     * @throws flymq.protocol.RequestException with the registry's refusal (invalid, incompatible, not found)
     */
    byte[] submit(SchemaChange change, String what, boolean forwarded, WireMessage forwardedRequest, int opcode);

    /** A single node's: applies to {@code registry}. */
    static SchemaChanges local(SchemaRegistry registry) {
        return (change, what, forwarded, forwardedRequest, opcode) -> {
            registry.apply(change);
            return null;
        };
    }
}
