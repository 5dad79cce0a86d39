package flymq.raft;

import java.util.Optional;

/**
 * Hooks for metrics and tracing, with no telemetry dependency: the broker maps them to {@code flymq_raft_term},
 * {@code flymq_raft_commit_index}, {@code flymq_raft_elections_total}, {@code flymq_cluster_leader} and the span
 * {@code flymq.raft.append_entries}; {@link #onHibernate} wakes the broker's pacing of new groups.
 *
 * <p>Callbacks run on the group's Raft thread or a transport reader thread: keep them to counter updates and
 * signals that never block.
 * An exception thrown by a callback is logged and otherwise ignored.
 */
public interface RaftListener {

    RaftListener NONE = new RaftListener() {
    };

    /** A new term was observed. Each term begins with one election, so counting calls counts elections. */
    default void onTermChange(String groupId, int term) {
    }

    /** The known leader changed (empty while an election is running). */
    default void onLeaderChange(String groupId, Optional<RaftMember> leader, int term) {
    }

    default void onRoleChange(String groupId, Role role, int term) {
    }

    /** Entries up to {@code commitIndex} are committed and applied on this member. */
    default void onCommit(String groupId, long commitIndex) {
    }

    /**
     * On the leader: an AppendEntries round trip to {@code follower} finished, carrying {@code entryCount} entries
     * (0 for a heartbeat); {@code success} is false when the follower asked for earlier entries.
     */
    default void onAppendEntries(String groupId, RaftMember follower, int entryCount, long startNanos,
                                 long durationNanos, boolean success) {
    }

    /** A snapshot at {@code index} was taken locally ({@code installed} false) or installed from a peer. */
    default void onSnapshot(String groupId, long index, boolean installed) {
    }

    /**
     * This member began to hibernate: its group is idle and its timers stopped (docs/raft.md, "Idle groups
     * hibernate"). Waking has no event: anything may wake it, so {@link RaftGroup#isHibernating()} is the truth
     * at any moment. This lets a waiter for groups to go quiet (the broker pacing new groups) sleep until one does
     * instead of polling; with {@link #onRoleChange} to {@link Role#TERMINATED} it hears every way a group stops
     * being busy.
     */
    default void onHibernate(String groupId) {
    }

    /** This listener, then {@code next}, for every event (a group takes one listener). */
    default RaftListener andThen(RaftListener next) {
        RaftListener first = this;
        return new RaftListener() {
            @Override
            public void onTermChange(String groupId, int term) {
                first.onTermChange(groupId, term);
                next.onTermChange(groupId, term);
            }

            @Override
            public void onLeaderChange(String groupId, Optional<RaftMember> leader, int term) {
                first.onLeaderChange(groupId, leader, term);
                next.onLeaderChange(groupId, leader, term);
            }

            @Override
            public void onRoleChange(String groupId, Role role, int term) {
                first.onRoleChange(groupId, role, term);
                next.onRoleChange(groupId, role, term);
            }

            @Override
            public void onCommit(String groupId, long commitIndex) {
                first.onCommit(groupId, commitIndex);
                next.onCommit(groupId, commitIndex);
            }

            @Override
            public void onAppendEntries(String groupId, RaftMember follower, int entryCount, long startNanos,
                                        long durationNanos, boolean success) {
                first.onAppendEntries(groupId, follower, entryCount, startNanos, durationNanos, success);
                next.onAppendEntries(groupId, follower, entryCount, startNanos, durationNanos, success);
            }

            @Override
            public void onSnapshot(String groupId, long index, boolean installed) {
                first.onSnapshot(groupId, index, installed);
                next.onSnapshot(groupId, index, installed);
            }

            @Override
            public void onHibernate(String groupId) {
                first.onHibernate(groupId);
                next.onHibernate(groupId);
            }
        };
    }
}
