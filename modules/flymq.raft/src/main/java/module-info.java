/**
 * FlyMQ's Raft plumbing around MicroRaft: the TCP transport, the persistent Raft store, and the bridge between
 * MicroRaft's state machine and the broker's {@link flymq.raft.ReplicatedStateMachine}.
 * The consensus algorithm itself is MicroRaft's; nothing here decides votes or commits.
 */
module flymq.raft {
    // ClusterTransport's signatures carry MicroRaft's RaftMessage, so users of the transport package read microraft too.
    requires transitive microraft;

    exports flymq.raft;
    exports flymq.raft.transport;
}
