package flymq.raft;

import flymq.raft.codec.NewTermOperation;
import flymq.raft.codec.RaftModelCodec;
import flymq.raft.codec.QuiesceMessage;
import flymq.raft.patch.InboundHandlers;
import flymq.raft.patch.InternalState;
import flymq.raft.patch.SnapshotTailTrim;
import flymq.raft.patch.SnapshotTransferRepair;
import flymq.raft.patch.StalePreVoteRepair;
import flymq.raft.persistence.FileRaftStore;
import flymq.raft.transport.ClusterTransport;
import flymq.raft.transport.TcpClusterTransport;
import io.microraft.MembershipChangeMode;
import io.microraft.RaftConfig;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.RaftNodeStatus;
import io.microraft.RaftRole;
import io.microraft.exception.CannotReplicateException;
import io.microraft.exception.IndeterminateStateException;
import io.microraft.exception.MismatchingRaftGroupMembersCommitIndexException;
import io.microraft.exception.NotLeaderException;
import io.microraft.exception.RaftException;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.message.AppendEntriesFailureResponse;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.AppendEntriesSuccessResponse;
import io.microraft.model.message.PreVoteRequest;
import io.microraft.model.message.RaftMessage;
import io.microraft.persistence.NopRaftStore;
import io.microraft.persistence.RaftStore;
import io.microraft.persistence.RestoredRaftState;
import io.microraft.report.RaftGroupMembers;
import io.microraft.report.RaftNodeReport;
import io.microraft.report.RaftTerm;
import io.microraft.statemachine.StateMachine;
import io.microraft.transport.Transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One member of one Raft group: a MicroRaft node wired to FlyMQ's transport, file store and the broker's
 * {@link ReplicatedStateMachine}. This is the whole API the broker needs from {@code flymq.raft}.
 *
 * <pre>{@code
 * TcpClusterTransport transport = TcpClusterTransport.bind(clusterAddr);      // one per process
 * RaftGroup<Result> group = RaftGroup.start(config, transport, stateMachine, listener);
 * group.replicate(command).thenAccept(c -> ...);   // completes once a majority committed and this member applied
 * }</pre>
 *
 * <p>Futures complete on the group's Raft thread: chain only quick work on them, or hop to another executor.
 * All methods are thread-safe.
 */
public final class RaftGroup<R> implements RaftMembership, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RaftGroup.class.getName());
    private static final long TERMINATE_TIMEOUT_SECONDS = 5;
    /**
     * How long a member may take to start. Restoring a snapshot from the member's own Raft state runs the state
     * machine's install, which may have to copy what the snapshot stands for from other members (a partition replica
     * whose log lost its tail): a member that gives up then would never run again, so the bound is generous; the
     * install has its own deadline for sources that cannot be reached.
     */
    public static final long START_TIMEOUT_SECONDS = 300;
    private static final int MAX_TIMED_REQUESTS = 65_536;

    private final RaftGroupConfig config;
    private final ClusterTransport transport;
    private final boolean ownsTransport;
    private final RaftListener listener;
    private final RaftThreads threads;
    private final RaftTimebase timebase;
    private final RaftStore store;
    private final RaftNode node;
    private final StalePreVoteRepair preVoteRepair;
    private final SnapshotTransferRepair snapshotTransferRepair;
    private final NodeLiveness liveness;
    private final Quiescence quiescence;
    private final ConcurrentHashMap<TimedKey, TimedRequest> appendTimings = new ConcurrentHashMap<>();
    private final LogCompaction compaction = new LogCompaction();
    private final RaftModelFactory modelFactory;

    // last observed values, written on the Raft thread, read anywhere
    private volatile int term;
    private volatile Role role = Role.FOLLOWER;
    private volatile RaftMember leader;
    private volatile long commitIndex;
    private volatile boolean closed;
    /** {@link #awaitApplied} callers by the index they wait for; released on the Raft thread as entries apply. */
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> appliedWaiters = new ConcurrentSkipListMap<>();
    /**
     * Until when (System.nanoTime) this fresh founding member sends no pre-vote, leaving the first election to
     * {@link RaftGroupConfig#firstCandidate()}; 0 once a leader was seen or the grace passed, or when not held.
     */
    private volatile long holdPreVotesUntil;
    /** Set by {@link #takeSnapshot(boolean)}: the next snapshot keeps no entries below itself. */
    private volatile boolean dropTailOnce;

    private RaftGroup(RaftGroupConfig config, ClusterTransport transport, boolean ownsTransport,
                      ReplicatedStateMachine<R> stateMachine, RaftListener listener) throws IOException {
        this.config = config;
        this.transport = transport;
        this.ownsTransport = ownsTransport;
        this.listener = listener;
        double scale = 1000d / config.heartbeatPeriod().toMillis();
        this.threads = config.ownThread() ? new RaftThreads(1, "flymq-raft-" + config.groupId())
                : RaftThreads.shared();
        this.timebase = new RaftTimebase(scale, threads, config.groupId() + "/" + config.localMember().id());

        RaftModelCodec codec = new RaftModelCodec();
        this.modelFactory = codec.factory();
        RestoredRaftState restored = null;
        if (config.dataDir() != null) {
            FileRaftStore fileStore = FileRaftStore.open(config.dataDir(), codec, config.storeKey());
            restored = fileStore.restoredState().orElse(null);
            store = fileStore;
        } else {
            store = new NopRaftStore();
        }
        if (restored != null && !config.localMember().equals(restored.getLocalEndpointPersistentState()
                .getLocalEndpoint())) {
            closeStore();
            timebase.shutdown();
            threads.shutdown();
            throw new IllegalStateException("Raft data dir " + config.dataDir() + " belongs to member "
                    + restored.getLocalEndpointPersistentState().getLocalEndpoint() + ", but this node is configured as "
                    + config.localMember());
        }

        String first = config.firstCandidate();
        boolean held = restored == null && first != null && config.isFoundingMember()
                && !first.equals(config.localMember().id())
                && config.initialMembers().stream().anyMatch(m -> m.id().equals(first));
        this.holdPreVotesUntil = held ? Math.max(1, System.nanoTime() + config.firstElectionGrace().toNanos()) : 0;

        RaftConfig raftConfig = RaftConfig.newBuilder()
                .setLeaderHeartbeatPeriodSecs(1)
                .setLeaderHeartbeatTimeoutSecs(Math.max(2, Math.ceilDiv(config.leaderHeartbeatTimeout().toMillis(),
                        config.heartbeatPeriod().toMillis())))
                .setLeaderElectionTimeoutMillis(timebase.toRaftMillis(config.leaderElectionTimeout().toMillis()))
                .setCommitCountToTakeSnapshot(config.commitCountToTakeSnapshot())
                .setMaxPendingLogEntryCount(config.maxPendingLogEntryCount())
                .setAppendEntriesRequestBatchSize(config.appendEntriesBatchSize())
                .setTransferSnapshotsFromFollowersEnabled(true)
                // one report per wall-clock second keeps commit index and lag fresh for metrics
                .setRaftNodeReportPublishPeriodSecs((int) Math.max(1, Math.round(scale)))
                .build();

        RaftNode.RaftNodeBuilder builder = RaftNode.newBuilder()
                .setGroupId(config.groupId())
                .setConfig(raftConfig)
                .setExecutor(timebase.executor())
                .setClock(timebase.clock())
                .setRandom(timebase.electionJitter(config.leaderElectionTimeout().toMillis()))
                .setTransport(new TimedTransport())
                .setStateMachine(new StateMachineAdapter(stateMachine))
                .setStore(store)
                .setModelFactory(codec.factory())
                .setRaftNodeReportListener(this::onReport);
        if (restored != null) {
            builder.setRestoredState(restored);
            LOG.log(System.Logger.Level.INFO, "Raft group " + config.groupId() + ": restoring " + config.localMember()
                    + " from " + config.dataDir() + " (term " + restored.getTermPersistentState().getTerm() + ", "
                    + restored.getLogEntries().size() + " log entries, snapshot at "
                    + (restored.getSnapshotEntry() == null ? "none" : restored.getSnapshotEntry().getIndex()) + ")");
        } else {
            builder.setLocalEndpoint(config.localMember()).setInitialGroupMembers(new ArrayList<>(config.initialMembers()));
        }
        this.node = builder.build();
        this.preVoteRepair = StalePreVoteRepair.install(node, timebase.executor());
        this.snapshotTransferRepair = SnapshotTransferRepair.install(node);
        this.liveness = NodeLiveness.acquire(transport, config, RaftThreads.shared());
        this.quiescence = new Quiescence(config.groupId(), config.localMember(), node, timebase.executor(), transport,
                liveness, () -> fire(() -> listener.onHibernate(config.groupId())));
        if (config.hibernateWhenIdle()) {
            quiescence.start();
        }
        config.memory().register(compaction);
        transport.register(config.groupId(), this::onInbound);
    }

    /**
     * Starts a member on an existing transport (the usual case: one transport per process, shared by all groups).
     * With a {@code dataDir} that holds state from an earlier run, the member resumes from it and the configured
     * initial members are ignored.
     */
    public static <R> RaftGroup<R> start(RaftGroupConfig config, ClusterTransport transport,
                                         ReplicatedStateMachine<R> stateMachine, RaftListener listener)
            throws IOException {
        return start(config, transport, false, stateMachine, listener);
    }

    /**
     * Starts a member with its own TCP transport listening on the local member's address; {@link #close()}
     * closes that transport too.
     */
    public static <R> RaftGroup<R> start(RaftGroupConfig config, ReplicatedStateMachine<R> stateMachine,
                                         RaftListener listener) throws IOException {
        TcpClusterTransport transport = TcpClusterTransport.bind(config.localMember().socketAddress());
        try {
            return start(config, transport, true, stateMachine, listener);
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    private static <R> RaftGroup<R> start(RaftGroupConfig config, ClusterTransport transport, boolean ownsTransport,
                                          ReplicatedStateMachine<R> stateMachine, RaftListener listener)
            throws IOException {
        Objects.requireNonNull(stateMachine, "stateMachine");
        RaftGroup<R> group = new RaftGroup<>(config, transport, ownsTransport, stateMachine,
                listener == null ? RaftListener.NONE : listener);
        try {
            group.node.start().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.close();
            throw new IOException("interrupted while starting Raft member " + config.localMember(), e);
        } catch (ExecutionException | TimeoutException e) {
            group.close();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException("Raft member " + config.localMember() + " of group " + config.groupId()
                    + " failed to start: " + cause.getMessage(), cause);
        }
        return group;
    }

    /**
     * Builds a member on an existing transport without starting it: {@link #startNode()} starts it. A node that
     * starts many groups at once (a batch of new partitions) starts them all and then waits for all, instead of
     * waiting for each start task in turn behind the other groups' tasks on the shared {@link RaftThreads}.
     */
    public static <R> RaftGroup<R> create(RaftGroupConfig config, ClusterTransport transport,
                                          ReplicatedStateMachine<R> stateMachine, RaftListener listener)
            throws IOException {
        Objects.requireNonNull(stateMachine, "stateMachine");
        return new RaftGroup<>(config, transport, false, stateMachine, listener == null ? RaftListener.NONE : listener);
    }

    /**
     * Starts a member made by {@link #create}: completes once its start task ran on its Raft thread (exceptionally
     * if it failed). The caller closes the member when this fails or does not complete in time.
     */
    public CompletableFuture<Void> startNode() {
        return node.start().thenApply(ignored -> null);
    }

    // ---------------------------------------------------------------- commands

    /**
     * Proposes {@code command}. Completes when a majority has committed it and this member has applied it, with
     * the result of {@link ReplicatedStateMachine#apply} here; fails with {@link RaftGroupException} (reason
     * NOT_LEADER with the leader when known, BUSY, INDETERMINATE, TERMINATED) or with the exception the state
     * machine threw for this command.
     */
    public CompletableFuture<Committed<R>> replicate(byte[] command) {
        Objects.requireNonNull(command, "command");
        if (closed) {
            return CompletableFuture.failedFuture(terminated());
        }
        quiescence.wakeAsync("proposal");
        return node.<Object>replicate(command).handle((ordered, error) -> {
            if (error != null) {
                throw translate(error);
            }
            Object result = ordered.getResult();
            if (result instanceof ApplyFailure failure) {
                throw new CompletionException(failure.error());
            }
            @SuppressWarnings("unchecked")
            R typed = (R) result;
            return new Committed<>(ordered.getCommitIndex(), typed);
        });
    }

    @Override
    public GroupMembers committedMembers() {
        return toGroupMembers(node.getCommittedMembers());
    }

    @Override
    public GroupMembers effectiveMembers() {
        return toGroupMembers(node.getEffectiveMembers());
    }

    @Override
    public CompletableFuture<GroupMembers> changeMembership(RaftMember member, MembershipChange change,
                                                           long expectedMembersIndex) {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(change, "change");
        if (closed) {
            return CompletableFuture.failedFuture(terminated());
        }
        quiescence.wakeAsync("membership change");
        MembershipChangeMode mode = switch (change) {
            case ADD_LEARNER -> MembershipChangeMode.ADD_LEARNER;
            case ADD_OR_PROMOTE_TO_FOLLOWER -> MembershipChangeMode.ADD_OR_PROMOTE_TO_FOLLOWER;
            case REMOVE_MEMBER -> MembershipChangeMode.REMOVE_MEMBER;
        };
        return node.changeMembership(member, mode, expectedMembersIndex).handle((ordered, error) -> {
            if (error != null) {
                throw translate(error);
            }
            return toGroupMembers(ordered.getResult());
        });
    }

    /**
     * On the leader: adds {@code member} as a learner, and once that is committed promotes it to a voting
     * follower. The member must already run with {@link RaftGroupConfig#initialMembers()} equal to this group's.
     * A member already present as a learner is only promoted; one already voting is left as it is.
     */
    @Override
    public CompletableFuture<List<RaftMember>> addMember(RaftMember member) {
        Objects.requireNonNull(member, "member");
        GroupMembers current = committedMembers();
        if (current.votingMembers().contains(member)) {
            return CompletableFuture.completedFuture(current.members());
        }
        CompletableFuture<GroupMembers> learner = current.members().contains(member)
                ? CompletableFuture.completedFuture(current)
                : changeMembership(member, MembershipChange.ADD_LEARNER, current.logIndex());
        return learner.thenCompose(added -> changeMembership(member, MembershipChange.ADD_OR_PROMOTE_TO_FOLLOWER,
                        added.logIndex()))
                .thenApply(GroupMembers::members);
    }

    /** On the leader: removes {@code member} from the group (it may be this member, which then steps down). */
    @Override
    public CompletableFuture<List<RaftMember>> removeMember(RaftMember member) {
        Objects.requireNonNull(member, "member");
        return changeMembership(member, MembershipChange.REMOVE_MEMBER, committedMembers().logIndex())
                .thenApply(GroupMembers::members);
    }

    /** On the leader: hands leadership to {@code target}, e.g. before a planned shutdown of this node. */
    @Override
    public CompletableFuture<Void> transferLeadership(RaftMember target) {
        quiescence.wakeAsync("leadership transfer");
        return node.transferLeadership(target).handle((ordered, error) -> {
            if (error != null) {
                throw translate(error);
            }
            return null;
        });
    }

    /** Forces a snapshot now (normally taken every {@link RaftGroupConfig#commitCountToTakeSnapshot()} commits). */
    public CompletableFuture<Long> takeSnapshot() {
        return takeSnapshot(false);
    }

    /**
     * Forces a snapshot now; with {@code dropLog} the entries below it are dropped from memory and store at once
     * (no window kept for followers close behind), so that a member added next starts from this snapshot instead of
     * replaying the group's history. A member that once left the group must: replaying its own removal would stop it.
     */
    public CompletableFuture<Long> takeSnapshot(boolean dropLog) {
        quiescence.wakeAsync("snapshot");
        if (dropLog) {
            dropTailOnce = true;
        }
        return node.takeSnapshot().handle((ordered, error) -> {
            if (error != null) {
                throw translate(error);
            }
            return ordered.getResult().getLog().getLastSnapshotIndex();
        });
    }

    // ---------------------------------------------------------------- status

    public RaftGroupConfig config() {
        return config;
    }

    public String groupId() {
        return config.groupId();
    }

    public RaftMember localMember() {
        return config.localMember();
    }

    /** The leader as last observed by this member. */
    public Optional<RaftMember> leader() {
        return Optional.ofNullable(leader);
    }

    public boolean isLeader() {
        return role == Role.LEADER;
    }

    public Role role() {
        return role;
    }

    public int term() {
        return term;
    }

    /**
     * Whether this member hibernates now: its group was idle, so it neither heartbeats nor expects heartbeats, and
     * the node-level heartbeat vouches for the members (docs/raft.md, "Idle groups hibernate").
     */
    public boolean isHibernating() {
        return quiescence.phase() == Quiescence.Phase.HIBERNATING;
    }

    /**
     * On a hibernating leader: whether {@code followerId} agreed to hibernate at the leader's last index (so it holds
     * every entry) and its node has been heard within the leader timeout: it is as in sync as a follower that just
     * acknowledged a heartbeat.
     */
    public boolean isHibernatingWith(String followerId) {
        return quiescence.hibernatingWith(followerId);
    }

    /** Times this member woke from hibernation (tests). */
    long wakeCount() {
        CompletableFuture<Long> count = new CompletableFuture<>();
        timebase.executor().execute(() -> count.complete(quiescence.wakeCount()));
        return count.join();
    }

    /** Highest log index committed and applied on this member. */
    public long commitIndex() {
        return commitIndex;
    }

    /**
     * Completes once this member has applied the entry at {@code index} (or a snapshot past it), at once if it has:
     * state read after that sees every entry up to it. Fails when the member closes first.
     */
    public CompletableFuture<Void> awaitApplied(long index) {
        if (commitIndex >= index) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = appliedWaiters.computeIfAbsent(index, i -> new CompletableFuture<>());
        // the entry may have been applied between the check and the put, with no release to come for it
        releaseApplied(commitIndex);
        if (closed) {
            f.completeExceptionally(terminated());
        }
        return f;
    }

    private void releaseApplied(long applied) {
        Map.Entry<Long, CompletableFuture<Void>> e;
        while ((e = appliedWaiters.firstEntry()) != null && e.getKey() <= applied) {
            appliedWaiters.remove(e.getKey(), e.getValue());
            e.getValue().complete(null);
        }
    }

    /** The group's current members (the effective list, including a change not yet committed). */
    public List<RaftMember> members() {
        return toMembers(node.getEffectiveMembers().getMembers());
    }

    /** A fresh report from the Raft thread: roles, term, indices and, on the leader, each follower's progress. */
    public CompletableFuture<RaftStatus> status() {
        return node.getReport().handle((ordered, error) -> {
            if (error != null) {
                throw translate(error);
            }
            return toStatus(ordered.getResult());
        });
    }

    /** Command bytes of the log entries MicroRaft holds in memory now, read on the Raft thread (tests). */
    long commandBytesInMemory() {
        CompletableFuture<Long> bytes = new CompletableFuture<>();
        timebase.executor().execute(() -> bytes.complete(SnapshotTailTrim.commandBytesHeld(node)));
        return bytes.join();
    }

    /**
     * MicroRaft's internal view of this member, read on its Raft thread, for a test that failed to explain itself:
     * role, term, leader, commit and applied index, log and snapshot index, a snapshot transfer in progress and,
     * on a leader, each follower's replication state (next and match index, request backoff). A Raft thread that
     * does not answer within {@code timeoutMillis} is itself reported, since that is a finding too.
     */
    String internalState(long timeoutMillis) {
        CompletableFuture<String> described = new CompletableFuture<>();
        timebase.executor().execute(() -> {
            try {
                described.complete(InternalState.describe(node, commitIndex));
            } catch (RuntimeException e) {
                described.completeExceptionally(e);
            }
        });
        try {
            return described.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return config.localMember().id() + ": Raft thread did not answer within " + timeoutMillis + " ms (status "
                    + node.getStatus() + ", our commitIndex " + commitIndex + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return config.localMember().id() + ": interrupted";
        } catch (ExecutionException e) {
            return config.localMember().id() + ": cannot describe: " + e.getCause();
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** Stops this member (its peers see it as failed) and releases its store, thread and, if owned, transport. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (preVoteRepair != null) {
            preVoteRepair.stop();
        }
        quiescence.stop();
        transport.unregister(config.groupId());
        config.memory().unregister(compaction);
        try {
            node.terminate().get(TERMINATE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "Raft member " + config.localMember() + " of group "
                    + config.groupId() + " did not terminate cleanly: " + e);
        }
        timebase.shutdown();
        threads.shutdown();
        liveness.release();
        compaction.snapshotted(); // the entries go with the node: give their bytes back to the node's bound
        closeStore();
        if (ownsTransport) {
            transport.close();
        }
        role = Role.TERMINATED;
        appliedWaiters.values().forEach(f -> f.completeExceptionally(terminated()));
        appliedWaiters.clear();
    }

    private void closeStore() {
        if (store instanceof FileRaftStore file) {
            try {
                file.close();
            } catch (IOException e) {
                throw new UncheckedIOException("closing Raft store in " + file.directory(), e);
            }
        }
    }

    // ---------------------------------------------------------------- MicroRaft callbacks

    private void onInbound(RaftMessage message) {
        if (message instanceof QuiesceMessage q) {
            timebase.executor().execute(() -> quiescence.onQuiesce(q));
            return;
        }
        if (message instanceof AppendEntriesSuccessResponse r) {
            timed(r.getSender(), r.getFlowControlSequenceNumber(), true);
        } else if (message instanceof AppendEntriesFailureResponse r) {
            timed(r.getSender(), r.getFlowControlSequenceNumber(), false);
        }
        long bytes = message instanceof AppendEntriesRequest request ? commandBytes(request.getLogEntries()) : 0;
        // Entries wait for the Raft thread in its queue: the reader thread (and through TCP the leader) waits
        // for room in the node's inbound bound first, and the Raft thread gives the bytes back once handled.
        if (bytes > 0 && !config.memory().inbound().acquireUnless(bytes, () -> closed)) {
            return; // closing: the message is dropped like any lost message
        }
        MemoryBudget inbound = config.memory().inbound();
        // One Raft-thread task: hibernation sees the state right before and after MicroRaft's handler, the
        // snapshot-boundary repair sees the log MicroRaft will check, and the snapshot-transfer repair sees a term
        // change before the next message could find the chunk requests of the old term blocking new ones.
        timebase.executor().execute(() -> {
            try {
                quiescence.beforeInbound(message);
                if (snapshotTransferRepair != null) {
                    snapshotTransferRepair.check();
                }
                InboundHandlers.handleNow(node, message);
                if (snapshotTransferRepair != null) {
                    snapshotTransferRepair.check();
                }
                quiescence.afterInbound();
            } finally {
                if (bytes > 0) {
                    inbound.release(bytes);
                }
            }
        });
    }

    /** The bytes the entries' commands hold (other operations are a few fields and are not counted). */
    static long commandBytes(List<LogEntry> entries) {
        long bytes = 0;
        for (LogEntry e : entries) {
            bytes += commandBytes(e);
        }
        return bytes;
    }

    private static long commandBytes(LogEntry entry) {
        return SnapshotTailTrim.commandBytes(entry);
    }

    private void timed(RaftEndpoint follower, long flowControlSeq, boolean success) {
        TimedRequest request = appendTimings.remove(new TimedKey(follower, flowControlSeq));
        if (request != null) {
            long now = System.nanoTime();
            fire(() -> listener.onAppendEntries(config.groupId(), (RaftMember) follower, request.entryCount(),
                    request.startNanos(), now - request.startNanos(), success));
        }
    }

    private void onReport(RaftNodeReport report) {
        observe(report.getTerm(), report.getRole(), report.getStatus());
        long reported = report.getLog().getCommitIndex();
        if (reported > commitIndex) {
            commitIndex = reported;
        }
        switch (report.getReason()) {
            case TAKE_SNAPSHOT -> fire(() -> listener.onSnapshot(config.groupId(),
                    report.getLog().getLastSnapshotIndex(), false));
            case INSTALL_SNAPSHOT -> fire(() -> listener.onSnapshot(config.groupId(),
                    report.getLog().getLastSnapshotIndex(), true));
            default -> {
            }
        }
    }

    /** Runs on the Raft thread; turns MicroRaft's term and role into our events, each change once. */
    private void observe(RaftTerm raftTerm, RaftRole raftRole, RaftNodeStatus status) {
        observeTerm(raftTerm);
        Role newRole = RaftNodeStatus.isTerminal(status) ? Role.TERMINATED : Role.valueOf(raftRole.name());
        if (newRole != role) {
            role = newRole;
            int t = raftTerm.getTerm();
            fire(() -> listener.onRoleChange(config.groupId(), newRole, t));
        }
    }

    private void observeTerm(RaftTerm raftTerm) {
        int newTerm = raftTerm.getTerm();
        RaftMember newLeader = (RaftMember) raftTerm.getLeaderEndpoint();
        if (newTerm != term) {
            term = newTerm;
            fire(() -> listener.onTermChange(config.groupId(), newTerm));
        }
        if (newLeader != null) {
            timebase.leaderKnown();
        }
        if (!Objects.equals(newLeader, leader)) {
            leader = newLeader;
            fire(() -> listener.onLeaderChange(config.groupId(), Optional.ofNullable(newLeader), newTerm));
        }
    }

    /** Raft thread: whether a pre-vote of this fresh member is held back for the first candidate. */
    private boolean holdingPreVotes() {
        long until = holdPreVotesUntil;
        if (until == 0) {
            return false;
        }
        if (leader != null || System.nanoTime() - until >= 0) {
            holdPreVotesUntil = 0;
            return false;
        }
        return true;
    }

    private void fire(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Raft listener failed in group " + config.groupId(), e);
        }
    }

    private RaftStatus toStatus(RaftNodeReport report) {
        Map<String, Long> matches = new HashMap<>();
        report.getLog().getFollowerMatchIndices().forEach((e, i) -> matches.put(((RaftMember) e).id(), i));
        Role reportRole = RaftNodeStatus.isTerminal(report.getStatus()) ? Role.TERMINATED
                : Role.valueOf(report.getRole().name());
        RaftGroupMembers effective = report.getEffectiveMembers();
        return new RaftStatus(config.groupId(), config.localMember(), reportRole, report.getTerm().getTerm(),
                Optional.ofNullable((RaftMember) report.getTerm().getLeaderEndpoint()),
                report.getLog().getCommitIndex(), report.getLog().getLastLogOrSnapshotIndex(),
                report.getLog().getLastSnapshotIndex(), toMembers(effective.getMembers()),
                toMembers(effective.getVotingMembers()), Map.copyOf(matches));
    }

    private static GroupMembers toGroupMembers(RaftGroupMembers members) {
        return new GroupMembers(members.getLogIndex(), toMembers(members.getMembers()),
                toMembers(members.getVotingMembers()));
    }

    private static List<RaftMember> toMembers(Collection<RaftEndpoint> endpoints) {
        List<RaftMember> members = new ArrayList<>(endpoints.size());
        for (RaftEndpoint e : endpoints) {
            members.add((RaftMember) e);
        }
        return List.copyOf(members);
    }

    private RuntimeException translate(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        RaftMember knownLeader = cause instanceof RaftException re && re.getLeader() instanceof RaftMember m ? m : null;
        String where = "Raft group " + config.groupId() + " on " + config.localMember();
        RaftGroupException translated = switch (cause) {
            case NotLeaderException e -> new RaftGroupException(RaftGroupException.Reason.NOT_LEADER, knownLeader,
                    where + " is not the leader (leader: " + (knownLeader == null ? "unknown" : knownLeader) + ")", e);
            case CannotReplicateException e -> new RaftGroupException(RaftGroupException.Reason.BUSY, knownLeader,
                    where + " cannot take more entries now: " + e.getMessage(), e);
            case IndeterminateStateException e -> new RaftGroupException(RaftGroupException.Reason.INDETERMINATE,
                    knownLeader, where + " lost leadership; the outcome of the operation is unknown", e);
            case MismatchingRaftGroupMembersCommitIndexException e -> new RaftGroupException(
                    RaftGroupException.Reason.MEMBERSHIP_CONFLICT, knownLeader,
                    where + ": member list changed concurrently: " + e.getMessage(), e);
            case IllegalStateException e when closed || RaftNodeStatus.isTerminal(node.getStatus()) ->
                    new RaftGroupException(RaftGroupException.Reason.TERMINATED, null, where + " is terminated", e);
            default -> null;
        };
        if (translated != null) {
            return new CompletionException(translated);
        }
        return cause instanceof RuntimeException re ? new CompletionException(re) : new CompletionException(cause);
    }

    private RaftGroupException terminated() {
        return new RaftGroupException(RaftGroupException.Reason.TERMINATED, null, "Raft group " + config.groupId()
                + " on " + config.localMember() + " is closed", null);
    }

    // ---------------------------------------------------------------- adapters

    private record TimedKey(RaftEndpoint follower, long flowControlSeq) {
    }

    private record TimedRequest(long startNanos, int entryCount) {
    }

    /** A state machine exception carried as the command's result, so that it reaches only the proposer's future. */
    private record ApplyFailure(RuntimeException error) {
    }

    /** MicroRaft's Transport for this group: forwards to the shared transport and times AppendEntries. */
    private final class TimedTransport implements Transport {
        @Override
        public void send(RaftEndpoint target, RaftMessage message) {
            if (message instanceof PreVoteRequest && holdingPreVotes()) {
                return; // the first candidate campaigns first (a dropped message, which Raft tolerates)
            }
            if (message instanceof AppendEntriesRequest full) {
                AppendEntriesRequest request = bounded(full);
                message = request;
                if (appendTimings.size() >= MAX_TIMED_REQUESTS) {
                    appendTimings.clear(); // responses lost to a dead follower; timing is best-effort
                }
                appendTimings.put(new TimedKey(target, request.getFlowControlSequenceNumber()),
                        new TimedRequest(System.nanoTime(), request.getLogEntries().size()));
            }
            transport.send((RaftMember) target, message);
        }

        @Override
        public boolean isReachable(RaftEndpoint endpoint) {
            return transport.isReachable((RaftMember) endpoint);
        }
    }

    /**
     * {@code request} with only as many leading entries as fit in {@link RaftMemory#appendEntriesBytes()} (at
     * least one). Raft allows it: the follower appends what it got and answers with the last index it appended
     * (previous index + entries sent), from where the leader sends the rest, as after MicroRaft's own capacity cut.
     */
    private AppendEntriesRequest bounded(AppendEntriesRequest request) {
        List<LogEntry> entries = request.getLogEntries();
        long limit = config.memory().appendEntriesBytes();
        long bytes = 0;
        int fit = 0;
        while (fit < entries.size()) {
            bytes += commandBytes(entries.get(fit));
            if (bytes > limit && fit > 0) {
                break;
            }
            fit++;
        }
        if (fit == entries.size()) {
            return request;
        }
        return modelFactory.createAppendEntriesRequestBuilder().setGroupId(request.getGroupId())
                .setSender(request.getSender()).setTerm(request.getTerm())
                .setPreviousLogIndex(request.getPreviousLogIndex()).setPreviousLogTerm(request.getPreviousLogTerm())
                .setCommitIndex(request.getCommitIndex()).setLogEntries(entries.subList(0, fit))
                .setQuerySequenceNumber(request.getQuerySequenceNumber())
                .setFlowControlSequenceNumber(request.getFlowControlSequenceNumber()).build();
    }

    /**
     * This group's share of {@link RaftMemory#logBytes()}: command bytes applied since the last snapshot. Counted
     * and reset on the Raft thread (apply, take and install snapshot); read by whichever group's Raft thread
     * finds the node over its bound and picks the largest holder.
     */
    private final class LogCompaction implements RaftMemory.LogHolder {
        private final AtomicLong held = new AtomicLong();
        private final AtomicBoolean pending = new AtomicBoolean();

        @Override
        public long held() {
            return pending.get() ? 0 : held.get();
        }

        @Override
        public void compact() {
            if (closed || !pending.compareAndSet(false, true)) {
                return;
            }
            node.takeSnapshot().whenComplete((report, error) -> pending.set(false));
        }

        void applied(long bytes) {
            held.addAndGet(bytes);
            config.memory().logged(bytes);
        }

        /** A snapshot (taken, installed, or the group closed) dropped the entries counted so far. */
        void snapshotted() {
            config.memory().released(held.getAndSet(0));
        }
    }

    /** MicroRaft's StateMachine: unwraps commands for the broker's state machine and keeps our status current. */
    private final class StateMachineAdapter implements StateMachine {
        private final ReplicatedStateMachine<R> delegate;

        StateMachineAdapter(ReplicatedStateMachine<R> delegate) {
            this.delegate = delegate;
        }

        @Override
        public Object runOperation(long index, Object operation) {
            Object result;
            if (operation instanceof byte[] command) {
                try {
                    result = delegate.apply(index, command);
                } catch (RuntimeException e) {
                    result = new ApplyFailure(e);
                }
                compaction.applied(command.length);
            } else if (operation instanceof NewTermOperation) {
                // a new leader's first entry is committed: term and leader are settled on this member too
                observeTerm(node.getTerm());
                result = null;
            } else {
                throw new IllegalArgumentException("Raft group " + config.groupId() + " at index " + index
                        + ": unexpected operation " + (operation == null ? "null" : operation.getClass().getName()));
            }
            commitIndex = index;
            releaseApplied(index);
            long applied = index;
            fire(() -> listener.onCommit(config.groupId(), applied));
            return result;
        }

        @Override
        public void takeSnapshot(long index, Consumer<Object> chunkConsumer) {
            int[] count = {0};
            // MicroRaft drops the entries up to index once the snapshot is stored: they no longer count. It keeps
            // a window below the snapshot by count, which the trim sets from bytes before MicroRaft truncates.
            compaction.snapshotted();
            long keepBytes = dropTailOnce ? 0 : config.memory().keptBelowSnapshotBytes();
            dropTailOnce = false;
            SnapshotTailTrim.beforeTruncation(node, index, keepBytes, config.commitCountToTakeSnapshot());
            delegate.takeSnapshot(index, chunk -> {
                count[0]++;
                chunkConsumer.accept(Objects.requireNonNull(chunk, "snapshot chunk"));
            });
            if (count[0] == 0) {
                chunkConsumer.accept(new byte[0]);
            }
        }

        @Override
        public void installSnapshot(long index, List<Object> chunks) {
            List<byte[]> bytes = new ArrayList<>(chunks.size());
            for (Object chunk : chunks) {
                bytes.add((byte[]) chunk);
            }
            delegate.installSnapshot(index, bytes);
            compaction.snapshotted();
            commitIndex = index;
            releaseApplied(index);
            fire(() -> listener.onCommit(config.groupId(), index));
        }

        @Override
        public Object getNewTermOperation() {
            return NewTermOperation.INSTANCE;
        }
    }
}
