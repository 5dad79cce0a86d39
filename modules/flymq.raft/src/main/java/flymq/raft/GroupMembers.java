package flymq.raft;

import java.util.List;

/**
 * A Raft group's member list as of one log entry.
 *
 * @param logIndex      index of the log entry that set this list (0 for the founding members); a membership change
 *                      names it as the list it expects to change, so two concurrent changes cannot both apply
 * @param members       every member, voters and learners
 * @param votingMembers the members that vote and count towards commits
 */
public record GroupMembers(long logIndex, List<RaftMember> members, List<RaftMember> votingMembers) {

    public GroupMembers {
        members = List.copyOf(members);
        votingMembers = List.copyOf(votingMembers);
        if (!members.containsAll(votingMembers)) {
            throw new IllegalArgumentException("voting members " + votingMembers + " are not all among the members "
                    + members);
        }
    }

    /** Members that receive the log but do not vote. */
    public List<RaftMember> learners() {
        return members.stream().filter(m -> !votingMembers.contains(m)).toList();
    }

    /** The member with this id, if it is in the list. */
    public java.util.Optional<RaftMember> member(String id) {
        return members.stream().filter(m -> m.id().equals(id)).findFirst();
    }
}
