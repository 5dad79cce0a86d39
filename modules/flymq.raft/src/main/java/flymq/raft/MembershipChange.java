package flymq.raft;

/**
 * One step of a membership change, as MicroRaft offers them. A node joins in two steps (learner first, so an empty
 * node never counts towards a quorum it cannot yet serve) and leaves in one.
 */
public enum MembershipChange {
    /** Adds a non-voting member: it receives the log and applies it, but neither votes nor counts for commits. */
    ADD_LEARNER,
    /** Adds a voting member, or promotes a learner to one. */
    ADD_OR_PROMOTE_TO_FOLLOWER,
    /** Removes a member (learner or voter); removing the leader makes it step down once the change commits. */
    REMOVE_MEMBER
}
