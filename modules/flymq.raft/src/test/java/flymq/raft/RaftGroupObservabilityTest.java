package flymq.raft;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hooks the broker turns into flymq_raft_* metrics, the append_entries span and `cluster status`. */
class RaftGroupObservabilityTest {

    private final FaultyNetwork network = new FaultyNetwork();
    private final List<RaftGroup<Long>> groups = new ArrayList<>();
    private final Map<String, Recorder> recorders = new ConcurrentHashMap<>();

    @AfterEach
    void close() {
        groups.forEach(RaftGroup::close);
        network.close();
    }

    private static final class Recorder implements RaftListener {
        final List<Integer> terms = new CopyOnWriteArrayList<>();
        final List<Optional<RaftMember>> leaders = new CopyOnWriteArrayList<>();
        final AtomicLong commitIndex = new AtomicLong();
        final AtomicLong appendEntriesWithEntries = new AtomicLong();
        final AtomicLong appendEntriesNanos = new AtomicLong();
        final List<Long> snapshots = new CopyOnWriteArrayList<>();

        @Override
        public void onTermChange(String groupId, int term) {
            terms.add(term);
        }

        @Override
        public void onLeaderChange(String groupId, Optional<RaftMember> leader, int term) {
            leaders.add(leader);
        }

        @Override
        public void onCommit(String groupId, long index) {
            commitIndex.accumulateAndGet(index, Math::max);
        }

        @Override
        public void onAppendEntries(String groupId, RaftMember follower, int entryCount, long startNanos,
                                    long durationNanos, boolean success) {
            if (entryCount > 0 && success) {
                appendEntriesWithEntries.incrementAndGet();
                appendEntriesNanos.addAndGet(durationNanos);
            }
        }

        @Override
        public void onSnapshot(String groupId, long index, boolean installed) {
            snapshots.add(index);
        }
    }

    private RaftGroup<Long> startCluster() throws Exception {
        List<RaftMember> members = List.of(InProcessCluster.member(1), InProcessCluster.member(2),
                InProcessCluster.member(3));
        for (RaftMember m : members) {
            Recorder r = new Recorder();
            recorders.put(m.id(), r);
            RaftGroupConfig config = RaftGroupConfig.builder(m, members).commitCountToTakeSnapshot(50).build();
            groups.add(RaftGroup.start(config, network.transportFor(m), new RegisterLog(), r));
        }
        InProcessCluster.await("an agreed leader", Duration.ofSeconds(10),
                () -> InProcessCluster.agreedLeader(groups).isPresent());
        return InProcessCluster.agreedLeader(groups).orElseThrow();
    }

    @Test
    void listenersSeeTermLeaderCommitsAppendEntriesAndSnapshots() throws Exception {
        RaftGroup<Long> leader = startCluster();
        long last = 0;
        for (int i = 0; i < 60; i++) {
            last = leader.replicate(("o" + i).getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).commitIndex();
        }
        long target = last;
        InProcessCluster.await("every member's listener at commit " + target, Duration.ofSeconds(10),
                () -> recorders.values().stream().allMatch(r -> r.commitIndex.get() >= target));
        for (RaftGroup<Long> g : groups) {
            Recorder r = recorders.get(g.localMember().id());
            assertTrue(!r.terms.isEmpty() && r.terms.getLast() == leader.term(),
                    g.localMember().id() + " saw terms " + r.terms + ", leader term " + leader.term());
            assertEquals(Optional.of(leader.localMember()), r.leaders.getLast(), "leader seen by " + g.localMember());
            assertEquals(g.commitIndex(), r.commitIndex.get());
            InProcessCluster.await("a snapshot on " + g.localMember().id(), Duration.ofSeconds(10),
                    () -> !r.snapshots.isEmpty());
        }
        Recorder onLeader = recorders.get(leader.localMember().id());
        assertTrue(onLeader.appendEntriesWithEntries.get() > 0, "no timed AppendEntries on the leader");
        assertTrue(onLeader.appendEntriesNanos.get() > 0);
    }

    @Test
    void statusOnTheLeaderShowsRoleTermMembersAndFollowerProgress() throws Exception {
        RaftGroup<Long> leader = startCluster();
        long index = leader.replicate("s".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).commitIndex();
        InProcessCluster.await("followers matching index " + index, Duration.ofSeconds(10), () -> {
            RaftStatus s = leader.status().join();
            return s.followerMatchIndex().size() == 2
                    && s.followerMatchIndex().values().stream().allMatch(m -> m >= index);
        });
        RaftStatus status = leader.status().get(10, TimeUnit.SECONDS);
        assertEquals(Role.LEADER, status.role());
        assertEquals(leader.term(), status.term());
        assertEquals(Optional.of(leader.localMember()), status.leader());
        assertEquals(3, status.members().size());
        assertEquals(3, status.votingMembers().size());
        assertTrue(status.commitIndex() >= index);

        RaftGroup<Long> follower = groups.stream().filter(g -> !g.isLeader()).findFirst().orElseThrow();
        RaftStatus followerStatus = follower.status().get(10, TimeUnit.SECONDS);
        assertEquals(Role.FOLLOWER, followerStatus.role());
        assertEquals(Map.of(), followerStatus.followerMatchIndex());
    }
}
