package flymq.raft;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One member's view of its group, for {@code flymq cluster status}, {@code /health} and metrics.
 *
 * @param followerMatchIndex on the leader: each follower's id to the highest log index it is known to hold
 *                           (lag = {@code lastLogIndex - match}); empty on other members
 */
public record RaftStatus(String groupId, RaftMember local, Role role, int term, Optional<RaftMember> leader,
                         long commitIndex, long lastLogIndex, long snapshotIndex, List<RaftMember> members,
                         List<RaftMember> votingMembers, Map<String, Long> followerMatchIndex) {
}
