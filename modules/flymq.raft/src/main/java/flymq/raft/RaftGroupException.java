package flymq.raft;

import java.util.Optional;

/** Why a replicate or membership call on a {@link RaftGroup} did not complete. */
public final class RaftGroupException extends RuntimeException {

    public enum Reason {
        /** This member is not the leader; forward to {@link #leader()} when known. */
        NOT_LEADER,
        /** The leader has too many uncommitted entries or a membership change in flight; retry shortly. */
        BUSY,
        /** Leadership was lost after the command was appended: it may or may not commit. Do not blindly retry. */
        INDETERMINATE,
        /** A membership change was based on an outdated member list; read the members again. */
        MEMBERSHIP_CONFLICT,
        /** The member is closed. */
        TERMINATED
    }

    private final Reason reason;
    private final transient RaftMember leader;

    public RaftGroupException(Reason reason, RaftMember leader, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.leader = leader;
    }

    public Reason reason() {
        return reason;
    }

    public Optional<RaftMember> leader() {
        return Optional.ofNullable(leader);
    }
}
