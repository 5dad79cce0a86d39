package flymq.raft.patch;

import io.microraft.RaftNode;
import io.microraft.RaftRole;
import io.microraft.executor.RaftNodeExecutor;
import io.microraft.impl.RaftNodeImpl;
import io.microraft.impl.state.CandidateState;
import io.microraft.impl.state.RaftState;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * Works around a liveness bug in MicroRaft 0.7 that left a follower unable to notice a dead leader.
 *
 * <p>The bug: a follower that starts a pre-vote (it has no leader) and then hears from a leader elected in the
 * same term keeps its pre-candidate state, because {@code RaftState.leader(endpoint)} does not clear it (only a
 * term change does; the Hazelcast code MicroRaft derives from clears it there). Its heartbeat check starts a new
 * election only when no pre-candidate state exists, so when that leader later dies the follower waits forever.
 * Our fault-injection test hit it: two healthy members never elected a new leader after the old one was cut off.
 *
 * <p>The repair runs on the node's own Raft thread once per heartbeat period and drops the stale pre-candidate
 * state when the node is a follower or learner that knows its leader, which is exactly what newer code does at the
 * moment the leader becomes known. MicroRaft is an automatic module, so its packages are open to this reflective
 * write; if a future MicroRaft renames the field the repair disables itself with a warning.
 */
public final class StalePreVoteRepair implements Runnable {

    private static final System.Logger LOG = System.getLogger(StalePreVoteRepair.class.getName());
    private static final VarHandle PRE_CANDIDATE_STATE = findField();

    private final RaftNodeImpl node;
    private final RaftNodeExecutor executor;
    private volatile boolean stopped;

    private StalePreVoteRepair(RaftNodeImpl node, RaftNodeExecutor executor) {
        this.node = node;
        this.executor = executor;
    }

    /** Schedules the repair on {@code executor} (the node's executor), once per MicroRaft second. */
    public static StalePreVoteRepair install(RaftNode node, RaftNodeExecutor executor) {
        if (PRE_CANDIDATE_STATE == null || !(node instanceof RaftNodeImpl impl)) {
            return null;
        }
        StalePreVoteRepair repair = new StalePreVoteRepair(impl, executor);
        executor.schedule(repair, 1, TimeUnit.SECONDS);
        return repair;
    }

    public void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        if (stopped) {
            return;
        }
        RaftState state = node.state();
        if (state != null && (state.role() == RaftRole.FOLLOWER || state.role() == RaftRole.LEARNER)
                && state.leader() != null && state.preCandidateState() != null) {
            CandidateState stale = state.preCandidateState();
            PRE_CANDIDATE_STATE.compareAndSet(state, stale, (CandidateState) null);
        }
        executor.schedule(this, 1, TimeUnit.SECONDS);
    }

    private static VarHandle findField() {
        try {
            return MethodHandles.privateLookupIn(RaftState.class, MethodHandles.lookup())
                    .findVarHandle(RaftState.class, "preCandidateState", CandidateState.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot install the MicroRaft stale pre-vote repair ("
                    + e + "); a follower may miss a dead leader after a same-term pre-vote");
            return null;
        }
    }
}
