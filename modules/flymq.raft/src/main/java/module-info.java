/** FlyMQ's Raft plumbing for MicroRaft: TCP transport, persistent Raft store, state machines. */
module flymq.raft {
    requires microraft;
}
