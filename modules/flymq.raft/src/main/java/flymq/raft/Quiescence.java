package flymq.raft;

import flymq.raft.codec.QuiesceMessage;
import flymq.raft.patch.QuiescentView;
import flymq.raft.transport.ClusterTransport;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.RaftRole;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.AppendEntriesSuccessResponse;
import io.microraft.model.message.RaftMessage;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Hibernation of one idle group member: an idle group stops heartbeating, and the node-level heartbeat
 * ({@link NodeLiveness}) stands in for it, so a node holding thousands of idle replicas sends, receives and wakes
 * for nothing per group. Design and safety argument: docs/raft.md ("Idle groups hibernate"). In short:
 *
 * <ol>
 *   <li>A leader whose group has been idle for {@value #QUIET_TICKS} heartbeat periods (every entry committed and
 *       matched by every follower, the same last index and term all along, no membership change or leadership
 *       transfer, every follower's node alive) sends each follower {@code REQUEST(term, index)}.
 *   <li>A follower that has the same term, this leader, and committed and holds exactly that index (no snapshot
 *       transfer, no pre-vote) hibernates and answers {@code ACCEPT}; otherwise {@code REFUSE}.
 *   <li>When every follower accepted and nothing changed meanwhile, the leader hibernates too.
 *   <li>A hibernating member parks its periodic tasks ({@link RaftTimebase.Executor}): no heartbeat, no
 *       leader-timeout check, no report. It watches the nodes it depends on (a follower its leader's, a leader its
 *       followers') through {@link NodeLiveness}.
 *   <li>It wakes (periodic tasks run again) on anything that is not the idle exchange itself: a local proposal,
 *       membership change, transfer or snapshot; a message other than its leader's heartbeat or a follower's
 *       acknowledgement; any change of role, term, leader, commit or last index after a message; a {@code WAKE}
 *       (a leader stopping); or a watched node gone silent past the leader timeout or restarted.
 *   <li>Waking counts the node-level heartbeat as the group's own for the peers heard within the timeout (a
 *       follower as a heartbeat from its leader, a leader as a response from each follower); a wake for a local
 *       operation counts every peer as heard now (the timeouts start afresh, as in a new term). A member woken
 *       because a node was lost, or by a stopping leader's {@code WAKE}, keeps its stale timestamps for that node,
 *       so MicroRaft's next heartbeat check sees the timeout elapsed and acts (election, step down).
 * </ol>
 *
 * Raft's safety never depends on timing (terms, votes and the log decide), and hibernation changes nothing but
 * when timers run; what it must keep is liveness: a dead leader is still replaced within the leader timeout plus
 * a heartbeat period, because the node-level detector fires on the same timeout.
 *
 * <p>All methods but {@link #peerLost} and {@link #wakeAsync} run on the member's Raft thread.
 */
final class Quiescence implements NodeLiveness.Watcher {

    private static final System.Logger LOG = System.getLogger(Quiescence.class.getName());

    /** Heartbeat periods a leader stays idle before asking to hibernate (its last heartbeats carry the commit). */
    static final int QUIET_TICKS = 5;

    enum Phase { AWAKE, PROPOSING, HIBERNATING }

    private final String groupId;
    private final RaftMember self;
    private final RaftNode node;
    private final RaftTimebase.Executor executor;
    private final ClusterTransport transport;
    private final NodeLiveness liveness;
    /** Told each time the member begins to hibernate ({@link RaftListener#onHibernate}); must not block. */
    private final Runnable hibernated;
    private final Tick tick = new Tick();

    private volatile Phase phase = Phase.AWAKE;
    private volatile Set<String> hibernatingFollowers = Set.of();
    private volatile boolean stopped;
    // Raft thread only
    private volatile QuiescentView.Position last;
    private int stableTicks;
    private int proposingTicks;
    private Set<RaftEndpoint> pending = new HashSet<>();
    private final Set<String> watched = new HashSet<>();
    private long wakeCount;

    /** The periodic check; parked while the member hibernates, like MicroRaft's heartbeat task. */
    final class Tick implements Runnable {
        @Override
        public void run() {
            if (stopped) {
                return;
            }
            onTick();
            executor.schedule(this, 1, TimeUnit.SECONDS); // one MicroRaft second: one heartbeat period
        }
    }

    Quiescence(String groupId, RaftMember self, RaftNode node, RaftTimebase.Executor executor,
               ClusterTransport transport, NodeLiveness liveness, Runnable hibernated) {
        this.groupId = groupId;
        this.self = self;
        this.node = node;
        this.executor = executor;
        this.transport = transport;
        this.liveness = liveness;
        this.hibernated = hibernated;
    }

    void start() {
        executor.schedule(tick, 1, TimeUnit.SECONDS);
    }

    Phase phase() {
        return phase;
    }

    /** Times this member woke from hibernation (tests). */
    long wakeCount() {
        return wakeCount;
    }

    /** On a hibernating leader: whether {@code followerId} accepted, and its node is alive. Any thread. */
    boolean hibernatingWith(String followerId) {
        return phase == Phase.HIBERNATING && hibernatingFollowers.contains(followerId) && liveness.alive(followerId);
    }

    // ------------------------------------------------------------------ the idle check

    void onTick() {
        QuiescentView.Position now = QuiescentView.read(node);
        if (now == null) {
            return;
        }
        boolean unchanged = last != null && now.term() == last.term() && now.lastLogIndex() == last.lastLogIndex()
                && now.commitIndex() == last.commitIndex() && now.role() == last.role();
        last = now;
        if (phase == Phase.PROPOSING && (++proposingTicks > QUIET_TICKS || !unchanged)) {
            phase = Phase.AWAKE; // a follower did not answer, or the group moved on: try again once idle
            stableTicks = 0;
        }
        if (!now.idleLeader() || !unchanged) {
            stableTicks = 0;
            return;
        }
        if (++stableTicks < QUIET_TICKS || phase != Phase.AWAKE) {
            return;
        }
        for (RaftEndpoint f : now.followers()) {
            liveness.addPeer((RaftMember) f);
            if (!liveness.alive(((RaftMember) f).id())) {
                return; // a follower we cannot vouch for would have to be heartbeaten anyway
            }
        }
        pending = new HashSet<>(now.followers());
        proposingTicks = 0;
        phase = Phase.PROPOSING;
        for (RaftEndpoint f : now.followers()) {
            transport.send((RaftMember) f, new QuiesceMessage(groupId, self, now.term(), QuiesceMessage.Kind.REQUEST,
                    now.commitIndex()));
        }
    }

    // ------------------------------------------------------------------ messages

    /** The idle exchange and WAKE: handled here, never by MicroRaft. */
    void onQuiesce(QuiesceMessage m) {
        switch (m.kind()) {
            case REQUEST -> {
                QuiescentView.Position now = QuiescentView.read(node);
                liveness.addPeer(m.sender());
                boolean accept = now != null && now.settledFollower() && now.term() == m.term()
                        && m.sender().equals(now.leader()) && now.commitIndex() == m.commitIndex()
                        && now.lastLogIndex() == m.commitIndex() && liveness.alive(m.sender().id());
                if (accept && phase != Phase.HIBERNATING) {
                    last = now;
                    hibernate(List.of(m.sender().id()), Set.of());
                }
                transport.send(m.sender(), new QuiesceMessage(groupId, self, now == null ? 0 : now.term(),
                        accept ? QuiesceMessage.Kind.ACCEPT : QuiesceMessage.Kind.REFUSE, m.commitIndex()));
            }
            case ACCEPT -> {
                if (phase != Phase.PROPOSING || last == null || m.term() != last.term()
                        || m.commitIndex() != last.commitIndex()) {
                    return;
                }
                pending.remove(m.sender());
                if (pending.isEmpty()) {
                    QuiescentView.Position now = QuiescentView.read(node);
                    if (now != null && now.idleLeader() && now.term() == last.term()
                            && now.commitIndex() == last.commitIndex()) {
                        Set<String> ids = new HashSet<>();
                        for (RaftEndpoint f : now.followers()) {
                            ids.add(((RaftMember) f).id());
                        }
                        last = now;
                        hibernate(List.copyOf(ids), Set.copyOf(ids));
                    } else {
                        phase = Phase.AWAKE;
                        stableTicks = 0;
                    }
                }
            }
            case REFUSE -> {
                if (phase == Phase.PROPOSING) {
                    phase = Phase.AWAKE;
                    stableTicks = 0;
                }
            }
            case WAKE -> {
                // only from the leader it hibernates under: a stale leader stopping says nothing about the current one
                QuiescentView.Position p = last;
                if (p != null && m.term() == p.term() && m.sender().equals(p.leader())) {
                    wakeOnly("WAKE from " + m.sender().id()); // its leader is stopping: no refresh
                }
            }
        }
    }

    /** Before MicroRaft handles {@code m}: anything but the idle group's own traffic wakes the member. */
    void beforeInbound(RaftMessage m) {
        if (phase != Phase.HIBERNATING || last == null) {
            return;
        }
        boolean idleTraffic = m.getTerm() == last.term()
                && ((m instanceof AppendEntriesRequest r && r.getSender().equals(last.leader())
                        && r.getLogEntries().isEmpty())
                    || m instanceof AppendEntriesSuccessResponse);
        if (!idleTraffic) {
            wake(m.getClass().getSimpleName() + " from " + m.getSender().getId());
        }
    }

    /** After MicroRaft handled a message: a member whose state moved is no longer idle. */
    void afterInbound() {
        if (phase != Phase.HIBERNATING || last == null) {
            return;
        }
        QuiescentView.Position now = QuiescentView.read(node);
        if (now == null || now.term() != last.term() || now.role() != last.role()
                || !Objects.equals(now.leader(), last.leader()) || now.commitIndex() != last.commitIndex()
                || now.lastLogIndex() != last.lastLogIndex()) {
            wake("state changed");
        }
    }

    // ------------------------------------------------------------------ hibernate and wake

    private void hibernate(List<String> watch, Set<String> followers) {
        executor.hibernate();
        for (String id : watch) {
            liveness.watch(id, this);
            watched.add(id);
        }
        hibernatingFollowers = followers;
        phase = Phase.HIBERNATING;
        hibernated.run(); // after the phase: a listener that asks isHibernating() sees it
    }

    /** Wakes the member, counting the node-level heartbeats of the peers it depends on as the group's own. */
    void wake(String why) {
        if (phase == Phase.HIBERNATING) {
            refreshFromNodeHeartbeats(false);
        }
        wakeOnly(why);
    }

    private void wakeOnly(String why) {
        if (phase == Phase.PROPOSING) {
            phase = Phase.AWAKE;
        }
        stableTicks = 0;
        if (phase != Phase.HIBERNATING) {
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "Raft group " + groupId + " on " + self.id() + " wakes: " + why);
        for (String id : watched) {
            liveness.unwatch(id, this);
        }
        watched.clear();
        hibernatingFollowers = Set.of();
        phase = Phase.AWAKE;
        wakeCount++;
        executor.wake();
    }

    /**
     * @param all count every peer as heard now, not only those the node heard within the timeout: a wake for a
     *            local operation starts the group's timeouts afresh, like a new term does, so that a node
     *            heartbeat delayed on a loaded machine does not depose an idle leader the moment it is needed; a
     *            peer that is really gone is noticed one timeout later, as by a newly elected leader
     */
    private void refreshFromNodeHeartbeats(boolean all) {
        QuiescentView.Position p = last;
        if (p == null) {
            return;
        }
        if (p.role() == RaftRole.LEADER) {
            for (RaftEndpoint f : p.followers()) {
                if (all || liveness.alive(((RaftMember) f).id())) {
                    QuiescentView.followerHeard(node, f);
                }
            }
        } else if (p.leader() instanceof RaftMember leader && (all || liveness.alive(leader.id()))) {
            QuiescentView.leaderHeard(node);
        }
    }

    /** Any thread: wake before a local operation (a proposal, membership change, transfer, snapshot). */
    void wakeAsync(String why) {
        if (phase != Phase.AWAKE) {
            executor.execute(() -> {
                if (phase == Phase.HIBERNATING) {
                    refreshFromNodeHeartbeats(true);
                }
                wakeOnly(why);
            });
        }
    }

    /**
     * Any thread ({@link NodeLiveness}): a watched node went silent or restarted. Only the peers still heard count
     * as heard: a follower whose leader's node is silent times out at its next heartbeat check, a leader keeps the
     * followers that are alive and steps down if they are no longer a quorum.
     */
    @Override
    public void peerLost(String peerId) {
        executor.execute(() -> wake("node " + peerId + " lost"));
    }

    /** The member stops: its followers must not keep trusting a leader that no longer heartbeats. */
    void stop() {
        stopped = true;
        for (String id : watched) {
            liveness.unwatch(id, this);
        }
        QuiescentView.Position p = last;
        if (p != null && p.role() == RaftRole.LEADER) {
            liveness.renewIncarnation();
            for (RaftEndpoint f : p.followers()) {
                transport.send((RaftMember) f, new QuiesceMessage(groupId, self, p.term(), QuiesceMessage.Kind.WAKE,
                        p.commitIndex()));
            }
        }
    }

    Tick tick() {
        return tick;
    }
}
