package flymq.raft;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Who belongs to a Raft group, and changing that at run time (MicroRaft's {@code RaftNode.changeMembership}).
 *
 * <p>A change is proposed on the leader, goes through the Raft log like any command, and takes effect on each
 * member as soon as that member appends it (MicroRaft allows one uncommitted change at a time). Because the list
 * travels in the log, it is persisted by the Raft store with everything else and a restarted member resumes with
 * the list it had, whatever its configuration says. A member that joins is started with the group's members as
 * {@link RaftGroupConfig#initialMembers()} (itself not among them) and waits to be added.
 */
public interface RaftMembership {

    /** The member list of the latest committed change. */
    GroupMembers committedMembers();

    /** The member list in effect on this member: the committed one, or a newer change appended but not committed. */
    GroupMembers effectiveMembers();

    /**
     * On the leader: applies one change to the list committed at {@code expectedMembersIndex}
     * ({@link GroupMembers#logIndex()} of {@link #committedMembers()}). Completes with the new list once it is
     * committed; fails with {@link RaftGroupException}: NOT_LEADER, MEMBERSHIP_CONFLICT when the list changed
     * since {@code expectedMembersIndex}, BUSY when another change is in flight, INDETERMINATE, TERMINATED; or with
     * {@link IllegalArgumentException} when the change makes no sense for the list (e.g. removing a non-member).
     */
    CompletableFuture<GroupMembers> changeMembership(RaftMember member, MembershipChange change,
                                                     long expectedMembersIndex);

    /** On the leader: adds {@code member} as a learner, then promotes it to a voter once that is committed. */
    CompletableFuture<List<RaftMember>> addMember(RaftMember member);

    /** On the leader: removes {@code member} (it may be this member, which then steps down). */
    CompletableFuture<List<RaftMember>> removeMember(RaftMember member);

    /** On the leader: hands leadership to the voting member {@code target}, e.g. before removing this member. */
    CompletableFuture<Void> transferLeadership(RaftMember target);
}
