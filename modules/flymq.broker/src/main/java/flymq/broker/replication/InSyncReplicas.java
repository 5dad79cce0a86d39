package flymq.broker.replication;

import flymq.raft.RaftGroup;
import flymq.raft.RaftListener;
import flymq.raft.RaftMember;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-sync replicas of one partition as its leader sees them, for CLUSTER_METADATA: the leader itself and every
 * follower that completed a successful AppendEntries round trip (entries or a heartbeat, sent every 100 ms) within
 * the last {@value #MAX_LAG_MS} ms. Like Kafka's {@code replica.lag.time.max.ms}: a follower that is down, cut
 * off, refusing entries (its log diverged) or busy installing a snapshot drops out after that time and comes back
 * with its next successful append. It listens to the partition group's Raft events, which fire on the leader.
 *
 * <p>An idle group hibernates and sends no heartbeats (docs/raft.md, "Idle groups hibernate"): then a follower
 * that agreed to hibernate at the leader's last index, and whose node the leader has heard within the leader
 * timeout, is in sync ({@link RaftGroup#isHibernatingWith}); it holds every entry, and any new entry wakes the
 * group, after which the append round trips count again.
 */
final class InSyncReplicas implements RaftListener {
    static final long MAX_LAG_MS = 1_000;

    private final ConcurrentHashMap<String, Long> lastAcknowledged = new ConcurrentHashMap<>();
    private volatile RaftGroup<?> group;

    /** The partition's group, once started: asked whether a follower hibernates with it. */
    void group(RaftGroup<?> group) {
        this.group = group;
    }

    @Override
    public void onAppendEntries(String groupId, RaftMember follower, int entryCount, long startNanos,
                                long durationNanos, boolean success) {
        if (success) {
            lastAcknowledged.merge(follower.id(), startNanos + durationNanos, Math::max);
        }
    }

    /** {@code replicas} (in their order) that are in sync, given that {@code leaderId} leads from this node. */
    List<String> inSync(List<String> replicas, String leaderId) {
        long now = System.nanoTime();
        List<String> isr = new ArrayList<>(replicas.size());
        for (String id : replicas) {
            Long last = lastAcknowledged.get(id);
            RaftGroup<?> g = group;
            if (id.equals(leaderId) || (last != null && now - last <= MAX_LAG_MS * 1_000_000)
                    || (g != null && g.isHibernatingWith(id))) {
                isr.add(id);
            }
        }
        return isr;
    }
}
