package flymq.raft;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything needed to start one member of one Raft group.
 *
 * <p>Defaults are tuned so a dead leader is replaced within a second: the leader sends a heartbeat every 100 ms,
 * followers give up on it after 400 ms of silence and start a pre-vote, and a candidate whose election did not
 * conclude retries after a random 150 to 300 ms. On a loaded machine raise {@code leaderHeartbeatTimeout} before anything else.
 *
 * @param groupId                   name of the group; one transport multiplexes groups by this name
 * @param localMember               this member
 * @param initialMembers            the members the group was founded with. A founding member is among them; a
 *                                  member joining later is not, and waits to be added by the leader
 * @param dataDir                   directory of this member's Raft log and state; {@code null} keeps nothing
 *                                  (tests only: a restart then loses the member's vote and log)
 * @param heartbeatPeriod           how often the leader heartbeats, at least 10 ms
 * @param leaderHeartbeatTimeout    silence after which followers elect a new leader, at least 2 heartbeats
 * @param leaderElectionTimeout     a candidate whose election did not conclude retries after a random
 *                                  wait between this and twice this
 * @param commitCountToTakeSnapshot a snapshot is taken every this many commits; it bounds the log
 * @param maxPendingLogEntryCount   uncommitted entries the leader accepts before answering BUSY
 * @param appendEntriesBatchSize    most entries per AppendEntries message (also bounded in bytes by
 *                                  {@link RaftMemory#appendEntriesBytes()})
 * @param memory                    the node's Raft memory bounds, shared by all its groups
 * @param storeKey                  the key the member's Raft log is encrypted with at rest; null: not encrypted
 * @param hibernateWhenIdle         whether the group stops heartbeating while idle, the node-level heartbeat
 *                                  standing in (default; docs/raft.md "Idle groups hibernate"). Off: the
 *                                  leader heartbeats every period whatever happens (tests that count heartbeats)
 * @param ownThread                 whether the member runs on a thread of its own instead of the shared
 *                                  {@link RaftThreads} (the metadata group: its heartbeats must not queue behind
 *                                  the fsyncs of thousands of partition groups electing at once)
 * @param firstCandidate            the id of the founding member that campaigns first in a new group, or null
 *                                  (all campaign at once). The other founding members of a fresh group send no
 *                                  pre-vote until they have seen a leader or {@link #firstElectionGrace()} has
 *                                  passed, so a new group elects this member in one round instead of splitting
 *                                  its first vote three ways (docs/raft.md "First election of a new group")
 */
public record RaftGroupConfig(String groupId, RaftMember localMember, List<RaftMember> initialMembers, Path dataDir,
                              Duration heartbeatPeriod, Duration leaderHeartbeatTimeout,
                              Duration leaderElectionTimeout, int commitCountToTakeSnapshot,
                              int maxPendingLogEntryCount, int appendEntriesBatchSize, RaftMemory memory,
                              RaftStoreKey storeKey, boolean hibernateWhenIdle, boolean ownThread,
                              String firstCandidate) {

    public static final String DEFAULT_GROUP_ID = "metadata";
    public static final Duration DEFAULT_HEARTBEAT_PERIOD = Duration.ofMillis(100);
    public static final Duration DEFAULT_LEADER_HEARTBEAT_TIMEOUT = Duration.ofMillis(400);
    public static final Duration DEFAULT_LEADER_ELECTION_TIMEOUT = Duration.ofMillis(150);
    public static final int DEFAULT_COMMIT_COUNT_TO_TAKE_SNAPSHOT = 10_000;
    public static final int DEFAULT_MAX_PENDING_LOG_ENTRY_COUNT = 5_000;
    public static final int DEFAULT_APPEND_ENTRIES_BATCH_SIZE = 1_000;

    public RaftGroupConfig {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(localMember, "localMember");
        initialMembers = List.copyOf(initialMembers);
        Objects.requireNonNull(heartbeatPeriod, "heartbeatPeriod");
        Objects.requireNonNull(leaderHeartbeatTimeout, "leaderHeartbeatTimeout");
        Objects.requireNonNull(leaderElectionTimeout, "leaderElectionTimeout");
        Objects.requireNonNull(memory, "memory");
        if (groupId.isBlank()) {
            throw new IllegalArgumentException("Raft group id is blank");
        }
        if (initialMembers.isEmpty()) {
            throw new IllegalArgumentException("Raft group " + groupId + " has no initial members");
        }
        Set<String> ids = new HashSet<>();
        for (RaftMember m : initialMembers) {
            if (!ids.add(m.id())) {
                throw new IllegalArgumentException("Raft group " + groupId + " lists member id " + m.id() + " twice: "
                        + initialMembers);
            }
        }
        if (ids.contains(localMember.id()) && !initialMembers.contains(localMember)) {
            throw new IllegalArgumentException("local member " + localMember + " has the id of initial member "
                    + initialMembers.stream().filter(m -> m.id().equals(localMember.id())).findFirst().orElseThrow()
                    + " but a different address");
        }
        if (heartbeatPeriod.toMillis() < 10) {
            throw new IllegalArgumentException("heartbeat period " + heartbeatPeriod.toMillis()
                    + " ms is below the 10 ms minimum");
        }
        if (leaderHeartbeatTimeout.toMillis() < 2 * heartbeatPeriod.toMillis()) {
            throw new IllegalArgumentException("leader heartbeat timeout " + leaderHeartbeatTimeout.toMillis()
                    + " ms must be at least two heartbeat periods (" + 2 * heartbeatPeriod.toMillis() + " ms)");
        }
        if (leaderElectionTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("leader election timeout must be positive, got "
                    + leaderElectionTimeout);
        }
        positive(commitCountToTakeSnapshot, "commitCountToTakeSnapshot");
        positive(maxPendingLogEntryCount, "maxPendingLogEntryCount");
        positive(appendEntriesBatchSize, "appendEntriesBatchSize");
    }

    private static void positive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /**
     * How long the founding members of a fresh group other than {@link #firstCandidate()} hold back their pre-votes
     * when they have seen no leader: five leader timeouts (2 s with the defaults), long enough for the first
     * candidate's pre-vote retries to reach them when its node starts the group later, short enough that a group
     * whose first candidate is down elects another member soon.
     */
    public Duration firstElectionGrace() {
        return leaderHeartbeatTimeout.multipliedBy(5);
    }

    /** Whether this member founded the group (false: it joins an existing group and waits to be added). */
    public boolean isFoundingMember() {
        return initialMembers.contains(localMember);
    }

    public static Builder builder(RaftMember localMember, List<RaftMember> initialMembers) {
        return new Builder(localMember, initialMembers);
    }

    public static final class Builder {
        private final RaftMember localMember;
        private final List<RaftMember> initialMembers;
        private String groupId = DEFAULT_GROUP_ID;
        private Path dataDir;
        private Duration heartbeatPeriod = DEFAULT_HEARTBEAT_PERIOD;
        private Duration leaderHeartbeatTimeout = DEFAULT_LEADER_HEARTBEAT_TIMEOUT;
        private Duration leaderElectionTimeout = DEFAULT_LEADER_ELECTION_TIMEOUT;
        private int commitCountToTakeSnapshot = DEFAULT_COMMIT_COUNT_TO_TAKE_SNAPSHOT;
        private int maxPendingLogEntryCount = DEFAULT_MAX_PENDING_LOG_ENTRY_COUNT;
        private int appendEntriesBatchSize = DEFAULT_APPEND_ENTRIES_BATCH_SIZE;
        private RaftMemory memory;
        private RaftStoreKey storeKey;
        private boolean hibernateWhenIdle = true;
        private boolean ownThread;
        private String firstCandidate;

        private Builder(RaftMember localMember, List<RaftMember> initialMembers) {
            this.localMember = localMember;
            this.initialMembers = initialMembers;
        }

        public Builder groupId(String groupId) {
            this.groupId = groupId;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder heartbeatPeriod(Duration d) {
            this.heartbeatPeriod = d;
            return this;
        }

        public Builder leaderHeartbeatTimeout(Duration d) {
            this.leaderHeartbeatTimeout = d;
            return this;
        }

        public Builder leaderElectionTimeout(Duration d) {
            this.leaderElectionTimeout = d;
            return this;
        }

        public Builder commitCountToTakeSnapshot(int n) {
            this.commitCountToTakeSnapshot = n;
            return this;
        }

        public Builder maxPendingLogEntryCount(int n) {
            this.maxPendingLogEntryCount = n;
            return this;
        }

        public Builder appendEntriesBatchSize(int n) {
            this.appendEntriesBatchSize = n;
            return this;
        }

        /** The node's shared memory bounds; without one the group gets its own {@link RaftMemory#defaults()}. */
        /** Encrypts the member's Raft log at rest with {@code key} (null: not encrypted). */
        public Builder storeKey(RaftStoreKey key) {
            this.storeKey = key;
            return this;
        }

        /** Whether an idle group hibernates (default true). */
        public Builder hibernateWhenIdle(boolean hibernate) {
            this.hibernateWhenIdle = hibernate;
            return this;
        }

        /** Runs the member on a thread of its own (default: the shared {@link RaftThreads}). */
        public Builder ownThread(boolean own) {
            this.ownThread = own;
            return this;
        }

        /** The founding member that campaigns first in a new group (null: every member at once; the default). */
        public Builder firstCandidate(String memberId) {
            this.firstCandidate = memberId;
            return this;
        }

        public Builder memory(RaftMemory memory) {
            this.memory = memory;
            return this;
        }

        public RaftGroupConfig build() {
            return new RaftGroupConfig(groupId, localMember, initialMembers, dataDir, heartbeatPeriod,
                    leaderHeartbeatTimeout, leaderElectionTimeout, commitCountToTakeSnapshot, maxPendingLogEntryCount,
                    appendEntriesBatchSize, memory == null ? RaftMemory.defaults() : memory, storeKey,
                    hibernateWhenIdle, ownThread, firstCandidate);
        }
    }
}
