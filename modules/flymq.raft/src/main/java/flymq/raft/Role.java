package flymq.raft;

/** This member's role in its Raft group. */
public enum Role {
    LEADER, CANDIDATE, FOLLOWER, LEARNER, TERMINATED
}
