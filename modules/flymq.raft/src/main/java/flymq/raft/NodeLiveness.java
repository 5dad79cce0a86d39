package flymq.raft;

import flymq.raft.codec.NodeHeartbeat;
import flymq.raft.transport.ClusterTransport;
import io.microraft.model.message.RaftMessage;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The node-level failure detector that stands in for the heartbeats of hibernating groups ({@link Quiescence}):
 * one per cluster transport (so one per node), shared by every group member on it.
 *
 * <p>Every heartbeat period it sends one {@link NodeHeartbeat} to each peer any of its groups has as a member,
 * whatever the number of groups: the cost of knowing that a peer is alive is per node pair, not per group. It
 * records when it last heard each peer and the peer's incarnation. Every period it also looks at the peers that
 * hibernating groups {@link #watch watch}: one silent for longer than the leader heartbeat timeout, or heard with
 * a new incarnation (it restarted, so its groups' agreements are void), has each of its watchers
 * {@link Watcher#peerLost woken}; a woken group is back on MicroRaft's own timers and reacts as Raft does
 * (a follower elects a new leader, a leader steps down without a quorum).
 *
 * <p>A silence this node caused itself is not held against its peers: when a tick comes later than
 * {@link #pauseThresholdNanos()} after the previous one, this process (or the machine) was paused, a GC or a CPU
 * starved by other processes, and the peers' heartbeats of that time may still wait in its sockets; no watcher is
 * woken until a further leader timeout has passed. Without this a one-second stall of a shared machine woke every
 * hibernating group of every node at once (3,000 partitions electing together, 2026-12-03); a peer that really
 * died during the pause is found one timeout later.
 *
 * <p>The heartbeat and the check run on the shared timer thread: sending never blocks ({@link ClusterTransport}),
 * and waking a group only queues a task on its serial executor. Groups sharing a transport share one timing: the
 * smallest heartbeat period and leader timeout among them.
 */
final class NodeLiveness {

    private static final System.Logger LOG = System.getLogger(NodeLiveness.class.getName());
    private static final Map<ClusterTransport, NodeLiveness> BY_TRANSPORT = new ConcurrentHashMap<>();

    private final ClusterTransport transport;
    private final RaftMember self;
    private final RaftThreads threads;
    private final LongSupplier nanoClock;
    private volatile long incarnation = ThreadLocalRandom.current().nextLong();
    private final Map<String, RaftMember> peers = new ConcurrentHashMap<>();
    private final Map<String, Heard> heard = new ConcurrentHashMap<>();
    private final Map<String, Set<Watcher>> watchers = new ConcurrentHashMap<>();
    // users, periodNanos and ticking change under the BY_TRANSPORT lock
    private int users;
    private long periodNanos = Long.MAX_VALUE;
    private volatile long timeoutNanos;
    private ScheduledFuture<?> ticking;
    // the timer thread's (or a test's) alone
    private boolean ticked;
    private long lastTickNanos;
    private boolean pauseHeld;
    private long pauseHeldUntilNanos;

    /** A hibernating group member ({@link Quiescence}). */
    interface Watcher {
        /** {@code peerId} went silent past the timeout, or restarted. Called on the timer or a reader thread. */
        void peerLost(String peerId);
    }

    /** When a peer was last heard and with which incarnation. */
    private record Heard(long atNanos, long incarnation) {
    }

    /** @param timeout silence after which a peer counts as lost (lowered by groups with a shorter timeout) */
    NodeLiveness(ClusterTransport transport, RaftMember self, RaftThreads threads, LongSupplier nanoClock,
                 Duration timeout) {
        this.transport = transport;
        this.self = self;
        this.threads = threads;
        this.nanoClock = nanoClock;
        this.timeoutNanos = timeout.toNanos();
    }

    /** The liveness of {@code transport}'s node, created (and its heartbeat started) by the first group on it. */
    static NodeLiveness acquire(ClusterTransport transport, RaftGroupConfig config, RaftThreads threads) {
        synchronized (BY_TRANSPORT) {
            NodeLiveness liveness = BY_TRANSPORT.computeIfAbsent(transport,
                    t -> new NodeLiveness(t, config.localMember(), threads, System::nanoTime,
                            config.leaderHeartbeatTimeout()));
            liveness.join(config);
            return liveness;
        }
    }

    /** A group on this node stopped; the last one stops the heartbeat. */
    void release() {
        synchronized (BY_TRANSPORT) {
            if (--users > 0) {
                return;
            }
            if (ticking != null) {
                ticking.cancel(false);
                ticking = null;
            }
            transport.unregister(NodeHeartbeat.GROUP_ID);
            BY_TRANSPORT.remove(transport, this);
        }
    }

    void join(RaftGroupConfig config) {
        users++;
        for (RaftMember m : config.initialMembers()) {
            addPeer(m);
        }
        long period = config.heartbeatPeriod().toNanos();
        timeoutNanos = Math.min(timeoutNanos, config.leaderHeartbeatTimeout().toNanos());
        if (period < periodNanos) {
            periodNanos = period;
            if (ticking != null) {
                ticking.cancel(false);
            }
            transport.register(NodeHeartbeat.GROUP_ID, this::onMessage);
            ticking = threads.timer().scheduleAtFixedRate(this::tick, 0, period, TimeUnit.NANOSECONDS);
        }
    }

    /** A member of one of this node's groups (also one that joined later): it is sent node heartbeats. */
    void addPeer(RaftMember member) {
        if (!member.id().equals(self.id())) {
            peers.putIfAbsent(member.id(), member);
        }
    }

    /**
     * A group this node led stopped while the node lives: draws a new incarnation, so every peer wakes the groups
     * that trusted this node, in case the group's own {@code WAKE} to its followers was lost. Rare (a topic deleted,
     * a replica moved), and the woken groups hibernate again once idle.
     */
    void renewIncarnation() {
        incarnation = ThreadLocalRandom.current().nextLong();
    }

    /** Whether {@code peerId} was heard within the leader heartbeat timeout. */
    boolean alive(String peerId) {
        Heard h = heard.get(peerId);
        return h != null && nanoClock.getAsLong() - h.atNanos() < timeoutNanos;
    }

    /** {@code group} hibernates trusting that {@code peerId} is alive: wake it when that is no longer known. */
    void watch(String peerId, Watcher group) {
        watchers.computeIfAbsent(peerId, k -> ConcurrentHashMap.newKeySet()).add(group);
    }

    void unwatch(String peerId, Watcher group) {
        Set<Watcher> set = watchers.get(peerId);
        if (set != null) {
            set.remove(group);
        }
    }

    /** Groups watching peers now (tests). */
    int watching() {
        return watchers.values().stream().mapToInt(Set::size).sum();
    }

    void onMessage(RaftMessage message) {
        if (message instanceof NodeHeartbeat beat) {
            Heard before = heard.put(beat.sender().id(), new Heard(nanoClock.getAsLong(), beat.incarnation()));
            if (before != null && before.incarnation() != beat.incarnation()) {
                LOG.log(System.Logger.Level.INFO, "cluster node " + beat.sender() + " restarted: waking the "
                        + "hibernating groups it shares with " + self.id());
                wakeWatchers(beat.sender().id());
            }
        }
    }

    /** One period: heartbeat every peer, wake the watchers of peers gone silent. Timer thread (or a test). */
    void tick() {
        try {
            long now = nanoClock.getAsLong();
            if (ticked && now - lastTickNanos > pauseThresholdNanos()) {
                pauseHeld = true;
                pauseHeldUntilNanos = now + timeoutNanos;
                LOG.log(System.Logger.Level.DEBUG, () -> "node " + self.id() + " was paused for "
                        + (now - lastTickNanos) / 1_000_000 + " ms: peers get another leader timeout to be heard");
            }
            ticked = true;
            lastTickNanos = now;
            for (RaftMember peer : peers.values()) {
                transport.send(peer, new NodeHeartbeat(self, incarnation));
            }
            if (pauseHeld && now - pauseHeldUntilNanos < 0) {
                return;
            }
            pauseHeld = false;
            for (Map.Entry<String, Set<Watcher>> e : watchers.entrySet()) {
                if (!e.getValue().isEmpty() && !alive(e.getKey())) {
                    wakeWatchers(e.getKey());
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "node heartbeat of " + self.id() + " failed", e);
        }
    }

    private void wakeWatchers(String peerId) {
        Set<Watcher> set = watchers.get(peerId);
        if (set == null) {
            return;
        }
        for (Watcher q : set.toArray(Watcher[]::new)) {
            set.remove(q);
            q.peerLost(peerId);
        }
    }

    /** A gap between two ticks longer than this is a pause of this node: two periods, at least half the timeout. */
    long pauseThresholdNanos() {
        long period = periodNanos;
        return period == Long.MAX_VALUE ? timeoutNanos / 2 : Math.max(2 * period, timeoutNanos / 2);
    }

    Duration period() {
        return Duration.ofNanos(periodNanos);
    }
}
