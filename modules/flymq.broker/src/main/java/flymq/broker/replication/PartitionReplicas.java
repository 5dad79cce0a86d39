package flymq.broker.replication;

import flymq.broker.delay.PartitionSchedule;
import flymq.broker.produce.ProducerBatch;
import flymq.protocol.Acks;
import flymq.protocol.RequestException;
import flymq.protocol.message.ClusterStatusResponse;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.broker.txn.ReplicaTransactions;
import flymq.broker.txn.TransactionIndex;
import flymq.raft.RaftGroup;
import flymq.raft.RaftGroupConfig;
import flymq.raft.RaftGroupException;
import flymq.raft.RaftListener;
import flymq.raft.RaftMember;
import flymq.raft.RaftMemory;
import flymq.raft.RaftStatus;
import flymq.raft.Role;
import flymq.broker.DataDirLayout;
import flymq.raft.transport.ClusterTransport;
import flymq.storage.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The Raft groups of the partitions this node holds a replica of: one group per partition, its members the
 * partition's replicas from the metadata assignment, sharing the node's one cluster transport. Group id
 * {@code p.<create index>.<partition>.<topic>} and Raft state in
 * {@code <data_dir>/raft/partitions/<create index>-<partition>}: the metadata index of the CREATE_TOPIC makes each
 * incarnation of a topic name a distinct group, so a deleted and re-created topic never inherits old Raft state.
 * Groups are started and stopped on one thread of their own, never on the metadata group's Raft thread.
 */
final class PartitionReplicas implements AutoCloseable {
    /**
     * MicroRaft sizes each group's log ring for this many commits plus the pending entries plus a tenth (16,000
     * slots with its defaults: 64 KiB per replica, most of a node's heap at a few thousand partitions, idle or not).
     * A loaded partition snapshots by bytes long before ({@code cluster.raft_log_bytes}); the count only paces
     * snapshots of many small batches (each snapshot is a flush of the partition log and its end offset).
     */
    static final int SNAPSHOT_EVERY_COMMITS = 5_000;
    /** Above the produce window ({@link OffsetSequencer#MAX_UNCOMMITTED} batches) and the few other commands. */
    static final int MAX_PENDING_ENTRIES = 1_000;
    private static final System.Logger LOG = System.getLogger(PartitionReplicas.class.getName());
    private static final long COMMIT_TIMEOUT_MS = 10_000;
    /**
     * New groups of this node that may be electing or awake at once before the next start waits
     * ({@link StartPacer}). A new group costs an election (fsyncs on every replica) and heartbeats every
     * period until it hibernates, about a second later; 3,000 new groups at once on two shared cores made elections
     * time out, leaders step down for want of answers, and thousands of groups stay awake re-electing.
     */
    static final int MAX_SETTLING = 96;
    /** A new group counts against {@link #MAX_SETTLING} at most this long (one that carries traffic never hibernates). */
    private static final long SETTLING_COUNTS_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** The longest a start waits for room: past it the node starts anyway (it only paces, never stops). */
    private static final long SETTLING_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ClusterMembers members;
    private final DataDirLayout layout;
    private final TopicManager topics;
    private final ClusterTransport transport;
    private final Consumer<RaftGroupConfig.Builder> tuning;
    private final Supplier<Map<String, String>> clientAddrs;
    private final RaftMemory memory;
    private final Admission produce;
    private final Supplier<LeaderForwarder> links;
    private final ReassignmentThrottle throttle;
    private final ConcurrentHashMap<String, RaftGroup<Long>> groups = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, OffsetSequencer> sequencers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, InSyncReplicas> inSync = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, PartitionStateMachine> machines = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, PartitionSchedule> schedules = new ConcurrentHashMap<>();
    /** Called when a replica applied a SCHEDULE (wakes the node's release thread). */
    private volatile Runnable scheduled = () -> { };
    private volatile flymq.storage.ValueCipher scheduleCipher;
    private final ExecutorService lifecycle = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("flymq-partition-groups").daemon(true).factory());
    private volatile boolean closed;
    /** Paces the starts on the lifecycle thread by the groups started here that have not hibernated yet. */
    private final StartPacer pacer = new StartPacer(MAX_SETTLING, SETTLING_COUNTS_NANOS, SETTLING_WAIT_NANOS,
            System::nanoTime);
    /** Every partition group's signal to {@link #pacer} that it may have stopped settling (on its Raft thread). */
    private final RaftListener settled = new RaftListener() {
        @Override
        public void onHibernate(String groupId) {
            pacer.changed();
        }

        @Override
        public void onRoleChange(String groupId, Role role, int term) {
            if (role == Role.TERMINATED) {
                pacer.changed();
            }
        }
    };
    /** Where the partitions' transactions are published for read-committed readers (set before groups start). */
    private volatile TransactionIndex transactionIndex = new TransactionIndex();

    /**
     * @param tuning      adjusts each partition group's Raft settings (tests)
     * @param clientAddrs the replicated node id to client address table (catch-up reads from the leader there)
     * @param memory      the node's Raft memory bounds, shared with the metadata group
     * @param produce     the budget of produced bytes proposed and not yet applied here
     *                    ({@code cluster.produce_inflight_bytes})
     * @param links       a new connection to leaders for each catch-up (on the forwarding budget, logged in when
     *                    auth is on)
     * @param throttle    the pace of learners' catch-up ({@code cluster.reassignment_bytes_per_sec})
     */
    PartitionReplicas(ClusterMembers members, DataDirLayout layout, TopicManager topics, ClusterTransport transport,
                      Consumer<RaftGroupConfig.Builder> tuning, Supplier<Map<String, String>> clientAddrs,
                      RaftMemory memory, Admission produce, Supplier<LeaderForwarder> links,
                      ReassignmentThrottle throttle) {
        this.throttle = throttle;
        this.members = members;
        this.layout = layout;
        this.topics = topics;
        this.transport = transport;
        this.tuning = tuning;
        this.clientAddrs = clientAddrs;
        this.memory = memory;
        this.produce = produce;
        this.links = links;
    }

    /** The node's transaction index, which its read paths consult; set before the metadata group starts. */
    void transactionIndex(TransactionIndex index) {
        this.transactionIndex = index;
    }

    private static String key(String topic, int partition) {
        return partition + "/" + topic;
    }

    /** Seals the values in the partitions' schedule files (encryption at rest); set before groups start. */
    void scheduleCipher(flymq.storage.ValueCipher cipher) {
        this.scheduleCipher = cipher;
    }

    /** Wakes the delayed-delivery release thread after each applied SCHEDULE; set before groups start. */
    void onScheduled(Runnable wake) {
        this.scheduled = wake;
    }

    /** The delayed-delivery schedule of a partition this node holds a replica of. */
    Optional<PartitionSchedule> schedule(String topic, int partition) {
        return Optional.ofNullable(schedules.get(key(topic, partition)));
    }

    /** Every partition schedule this node keeps (a copy). */
    List<PartitionSchedule> schedules() {
        return List.copyOf(schedules.values());
    }

    /** The leader's offset forecast of a partition (for proposals that append records). */
    Optional<OffsetSequencer> sequencer(String topic, int partition) {
        return Optional.ofNullable(sequencers.get(key(topic, partition)));
    }

    Optional<RaftGroup<Long>> group(String topic, int partition) {
        return Optional.ofNullable(groups.get(key(topic, partition)));
    }

    /**
     * Whether this node runs a replica of the partition whose log may answer reads: its group started, it is not
     * copying the records behind an installed snapshot, and its replay after a restart reached its log end
     * ({@link PartitionStateMachine#ready}).
     */
    boolean readable(String topic, int partition) {
        String k = key(topic, partition);
        PartitionStateMachine m = machines.get(k);
        return m != null && groups.containsKey(k) && m.ready();
    }

    /** The in-sync tracking of a partition this node holds a replica of (meaningful while it leads). */
    Optional<InSyncReplicas> inSync(String topic, int partition) {
        return Optional.ofNullable(inSync.get(key(topic, partition)));
    }

    /** The metadata group created (or replayed) a topic: start the groups of the partitions held here. */
    void topicCreated(MetadataStateMachine.Assignment a) {
        if (closed) {
            return;
        }
        lifecycle.execute(() -> {
            Optional<Topic> local = topics.find(a.topic().name());
            if (local.isEmpty() || closed) {
                return; // a replayed create of a topic deleted later
            }
            List<Starting> starting = new ArrayList<>();
            // a burst of creates elects its groups in a steady stream instead of all at once; creating the topic
            // does not wait for this: the metadata group has committed it already
            pacer.awaitRoom(a.topic().replicas().size());
            for (int p = 0; p < a.topic().replicas().size(); p++) {
                List<String> replicaIds = a.replicas(p);
                if (replicaIds.contains(members.self().id()) && !groups.containsKey(key(a.topic().name(), p))) {
                    Starting s = begin(a, p, replicaIds, local.get());
                    if (s != null) {
                        starting.add(s);
                    }
                }
            }
            finish(starting);
        });
    }

    /**
     * A move of partition {@code r.partition()} began (or is replayed): a target node that holds no member of the
     * group yet starts one with the group's current replicas as its initial members, itself not among them, so it
     * waits until the leader adds it as a learner ({@link PartitionMover}).
     */
    void reassignmentStarted(MetadataStateMachine.Assignment a, MetadataStateMachine.Reassignment r) {
        if (closed || !r.to().contains(members.self().id())) {
            return;
        }
        lifecycle.execute(() -> {
            Optional<Topic> local = topics.find(a.topic().name());
            String k = key(a.topic().name(), r.partition());
            if (local.isEmpty() || closed || groups.containsKey(k)) {
                return;
            }
            Starting s = begin(a, r.partition(), a.replicas(r.partition()), local.get());
            if (s != null) {
                finish(List.of(s));
            }
        });
    }

    /**
     * A move finished: a node that is not among the partition's replicas any more stops its member of the group and
     * removes its Raft state (the group removed it already). Its partition log stays: it is a prefix of the group's
     * log, so if the node is added again later, replaying the group's entries skips the records it still has.
     */
    void reassignmentFinished(MetadataStateMachine.Assignment a, int partition) {
        if (closed || a.replicas(partition).contains(members.self().id())) {
            return;
        }
        lifecycle.execute(() -> {
            String k = key(a.topic().name(), partition);
            RaftGroup<Long> g = groups.get(k);
            if (g == null || !g.groupId().equals(groupId(a, partition))) {
                return;
            }
            groups.remove(k);
            sequencers.remove(k);
            inSync.remove(k);
            machines.remove(k);
            g.close();
            closeSchedule(k, a, partition);
            deleteDir(dir(a, partition));
            LOG.log(System.Logger.Level.INFO, "partition " + a.topic().name() + "-" + partition + " moved to "
                    + a.replicas(partition) + ": stopped this node's replica");
        });
    }

    /** Every partition group this node runs (a copy). */
    List<RaftGroup<Long>> all() {
        return List.copyOf(groups.values());
    }

    /** The metadata group deleted a topic: stop its groups and remove their Raft state. */
    void topicDeleted(MetadataStateMachine.Assignment a) {
        lifecycle.execute(() -> {
            for (int p = 0; p < a.topic().replicas().size(); p++) {
                RaftGroup<Long> g = groups.remove(key(a.topic().name(), p));
                if (g != null && g.groupId().equals(groupId(a, p))) {
                    sequencers.remove(key(a.topic().name(), p));
                    inSync.remove(key(a.topic().name(), p));
                    machines.remove(key(a.topic().name(), p));
                    g.close();
                    closeSchedule(key(a.topic().name(), p), a, p);
                } else if (g != null) {
                    groups.put(key(a.topic().name(), p), g); // a later incarnation's group: keep it
                }
                deleteDir(dir(a, p));
                PartitionSchedule.delete(layout.partitionDelayedDir(a.createIndex(), p));
            }
        });
    }

    private static String groupId(MetadataStateMachine.Assignment a, int p) {
        return "p." + a.createIndex() + "." + p + "." + a.topic().name();
    }

    private void closeSchedule(String k, MetadataStateMachine.Assignment a, int p) {
        PartitionSchedule s = schedules.remove(k);
        if (s != null) {
            s.close();
        }
        PartitionSchedule.delete(layout.partitionDelayedDir(a.createIndex(), p));
    }

    private Path dir(MetadataStateMachine.Assignment a, int p) {
        return layout.partitionRaftDir(a.createIndex(), p);
    }

    /** A partition group built and starting, registered once its start completed ({@link #finish}). */
    private record Starting(String key, String name, RaftGroup<Long> group, InSyncReplicas isr,
                            CompletableFuture<Void> started, List<RaftMember> members) {
    }

    /**
     * Builds the group of partition {@code p} and starts it without waiting: the groups of one topic start together
     * and the lifecycle thread then waits once for all of them ({@link #finish}), instead of waiting for each start
     * task in turn behind the other groups' tasks (fsyncs of elections) on the node's shared Raft workers.
     * Returns null when the group cannot be built (logged).
     */
    private Starting begin(MetadataStateMachine.Assignment a, int p, List<String> replicaIds, Topic topic) {
        List<RaftMember> replicaMembers = new ArrayList<>();
        for (String id : replicaIds) {
            members.all().stream().filter(m -> m.id().equals(id)).findFirst().ifPresent(replicaMembers::add);
        }
        replicaMembers.sort(Comparator.comparing(RaftMember::id));
        String name = a.topic().name() + "-" + p;
        String k = key(a.topic().name(), p);
        try {
            // the preferred leader (first replica) campaigns first: a new group elects it in one round
            RaftGroupConfig.Builder builder = RaftGroupConfig.builder(members.self(), replicaMembers)
                    .groupId(groupId(a, p)).dataDir(dir(a, p)).memory(memory)
                    .commitCountToTakeSnapshot(SNAPSHOT_EVERY_COMMITS).maxPendingLogEntryCount(MAX_PENDING_ENTRIES)
                    .firstCandidate(replicaIds.isEmpty() ? null : replicaIds.get(0));
            tuning.accept(builder);
            // a learner (a replica being added by a move) copies at the reassignment rate; a voter never waits
            java.util.function.LongConsumer learnerPace = bytes -> {
                RaftGroup<Long> own = groups.get(k);
                if (own != null && own.role() == Role.LEARNER) {
                    throttle.acquire(bytes);
                }
            };
            // the other replicas a copy may read from while no leader is known here (the restore of a snapshot
            // while this member starts, before it has heard from anyone): the group's members once it runs, and
            // the partition's replicas as assigned when it started
            Supplier<List<String>> peers = () -> {
                List<String> ids = new ArrayList<>();
                RaftGroup<Long> own = groups.get(k);
                if (own != null) {
                    own.members().forEach(m -> ids.add(m.id()));
                }
                replicaIds.stream().filter(id -> !ids.contains(id)).forEach(ids::add);
                ids.remove(members.self().id());
                return ids;
            };
            ReplicaCatchUp catchUp = new ReplicaCatchUp(a.topic().name(), p, members.self().id(),
                    () -> Optional.ofNullable(groups.get(k)), peers, clientAddrs, links, learnerPace);
            InSyncReplicas isr = new InSyncReplicas();
            PartitionSchedule schedule = new PartitionSchedule(layout.partitionDelayedDir(a.createIndex(), p),
                    a.topic().name(), p, () -> scheduled.run(), scheduleCipher);
            schedule.entrySource(new PartitionSchedule.EntrySource() {
                @Override
                public List<PartitionSchedule.Entry> entries(long minute, int fromSeq, int toSeq) {
                    return catchUp.scheduleEntries(minute, fromSeq, toSeq);
                }

                @Override
                public int[] cancels(long minute, int from, int to) {
                    return catchUp.scheduleCancels(minute, from, to);
                }
            });
            schedules.put(k, schedule);
            PartitionStateMachine machine = new PartitionStateMachine(name, topic.log(p), catchUp,
                    new ReplicaTransactions(transactionIndex, a.topic().name(), p, topic.log(p).endOffset()),
                    learnerPace, schedule);
            machines.put(k, machine);
            RaftGroup<Long> g;
            try {
                g = RaftGroup.create(builder.build(), transport, machine, isr.andThen(settled));
            } catch (IOException | RuntimeException e) {
                machines.remove(k);
                throw e;
            }
            isr.group(g);
            CompletableFuture<Void> started;
            try {
                started = g.startNode();
            } catch (RuntimeException e) {
                machines.remove(k);
                g.close();
                throw e;
            }
            return new Starting(k, name, g, isr, started, replicaMembers);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot start the Raft group of partition " + name + " with replicas "
                    + replicaMembers + ": " + e);
            return null;
        }
    }

    /** Waits for groups {@link #begin begun} together, registers those that started, closes the others. */
    private void finish(List<Starting> starting) {
        for (Starting s : starting) {
            try {
                s.started().get(RaftGroup.START_TIMEOUT_SECONDS, TimeUnit.SECONDS); // as RaftGroup.start
                sequencers.put(s.key(), new OffsetSequencer());
                inSync.put(s.key(), s.isr());
                groups.put(s.key(), s.group());
                if (s.members().size() > 1) { // a group of one elects itself, heartbeats nobody, never hibernates
                    RaftGroup<Long> g = s.group();
                    pacer.started(() -> g.isHibernating() || g.role() == Role.TERMINATED);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                machines.remove(s.key());
                s.group().close();
            } catch (ExecutionException | TimeoutException e) {
                machines.remove(s.key());
                s.group().close();
                Throwable cause = e.getCause() == null ? e : e.getCause();
                LOG.log(System.Logger.Level.ERROR, "cannot start the Raft group of partition " + s.name()
                        + " with replicas " + s.members() + ": " + cause);
            }
        }
    }

    /**
     * Proposes a produced batch to the partition's group and returns its base offset when {@code acks} allows:
     * {@code ALL} once a majority committed it and this node appended it to the partition log; {@code LEADER} once
     * the entry is in this leader's Raft log (before any follower has it); {@code NONE} once it is handed to the
     * Raft node. The last two need the leader's offset forecast ({@link OffsetSequencer}); while it is unknown (just
     * after an election or a failed proposal) they wait for the commit like {@code ALL}.
     *
     * <p>The batch's bytes are admitted to the node's produce budget first and held until the proposal completes
     * (applied here, or failed): that bounds what all partitions of the node keep in uncommitted Raft entries,
     * in AppendEntries to followers and in MicroRaft's pending futures, whatever the producers' acks. A producer
     * that finds no room waits, and after {@code cluster.budget_wait_ms} gets {@link ClusterBusyException}.
     */
    long replicate(String topic, int partition, List<Record> batch, Map<String, String> clientAddrs, Acks acks) {
        return replicate(topic, partition, batch, clientAddrs, acks, ProducerBatch.NONE);
    }

    /**
     * {@link #replicate(String, int, List, Map, Acks)} for a batch that may come from an idempotent producer: the
     * producer identity travels in the Raft entry, and the partition's state machine appends a batch it has
     * appended before only once, answering with the first base offset ({@link PartitionStateMachine}). Such a
     * batch is always answered after its commit, whatever the acks: only the commit tells whether it was new.
     */
    long replicate(String topic, int partition, List<Record> batch, Map<String, String> clientAddrs, Acks acks,
                   ProducerBatch producer) {
        String k = key(topic, partition);
        RaftGroup<Long> g = groups.get(k);
        OffsetSequencer sequencer = sequencers.get(k);
        if (g == null || sequencer == null) {
            throw new RequestException("not leader: no leader elected (partition " + topic + "-" + partition
                    + " has no replica group on node " + members.self().id() + " yet)");
        }
        if (!g.isLeader()) {
            throw notLeader(g.leader().map(RaftMember::id).orElse(""), clientAddrs, topic, partition);
        }
        long bytes = PartitionStateMachine.encodedSize(batch);
        produce.admit(bytes, "produce of " + batch.size() + " records to " + topic + "-" + partition);
        boolean handedOver = false;
        try {
            OffsetSequencer.Proposal proposal = sequencer.propose(g, batch, acks != Acks.ALL, COMMIT_TIMEOUT_MS,
                            producer)
                    .orElseThrow(() -> new RequestException("produce to " + topic + "-" + partition + " refused: "
                            + OffsetSequencer.MAX_UNCOMMITTED + " batches have been waiting for a majority of "
                            + g.members() + " for " + COMMIT_TIMEOUT_MS + " ms"));
            proposal.commit().whenComplete((c, error) -> produce.release(bytes));
            handedOver = true;
            if (proposal.promisedBase() >= 0) {
                if (acks == Acks.LEADER) {
                    // The Raft thread runs tasks in order: once the status task ran, the replicate task before it
                    // has appended the entry to this leader's log, or failed the proposal.
                    g.status().get(COMMIT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    if (proposal.commit().isCompletedExceptionally()) {
                        proposal.commit().get(); // throws the reason
                    }
                }
                return proposal.promisedBase();
            }
            return proposal.commit().get(COMMIT_TIMEOUT_MS, TimeUnit.MILLISECONDS).result();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RaftGroupException rge && rge.reason() == RaftGroupException.Reason.NOT_LEADER) {
                throw notLeader(rge.leader().map(RaftMember::id).orElse(""), clientAddrs, topic, partition);
            }
            throw new RequestException("produce to " + topic + "-" + partition + " not acknowledged: " + cause);
        } catch (TimeoutException e) {
            throw new RequestException("produce to " + topic + "-" + partition + " not committed by a majority of "
                    + g.members() + " within " + COMMIT_TIMEOUT_MS + " ms; it may still be committed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestException("interrupted while replicating to " + topic + "-" + partition);
        } finally {
            if (!handedOver) {
                produce.release(bytes);
            }
        }
    }

    /**
     * The partitions this node leads with each replica's match index in the partition's Raft log, its lag (entries,
     * i.e. produced batches, behind the leader's last index) and whether it is in sync ({@link InSyncReplicas}).
     * One status request per led group on its Raft thread; a group that does not answer within a second is left out.
     */
    List<ClusterStatusResponse.LedPartition> ledPartitions() {
        List<ClusterStatusResponse.LedPartition> led = new ArrayList<>();
        for (Map.Entry<String, RaftGroup<Long>> e : new java.util.TreeMap<>(groups).entrySet()) {
            RaftGroup<Long> g = e.getValue();
            if (!g.isLeader()) {
                continue;
            }
            RaftStatus st;
            try {
                st = g.status().get(1, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException ex) {
                continue;
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
            if (st.role() != Role.LEADER) {
                continue;
            }
            String self = members.self().id();
            List<String> ids = st.members().stream().map(RaftMember::id).sorted().toList();
            InSyncReplicas isr = inSync.get(e.getKey());
            List<String> inSyncIds = isr == null ? List.of(self) : isr.inSync(ids, self);
            List<ClusterStatusResponse.ReplicaProgress> replicas = new ArrayList<>(ids.size());
            for (String id : ids) {
                long match = id.equals(self) ? st.lastLogIndex() : st.followerMatchIndex().getOrDefault(id, -1L);
                long lag = match < 0 ? -1 : Math.max(0, st.lastLogIndex() - match);
                replicas.add(new ClusterStatusResponse.ReplicaProgress(id, match, lag, inSyncIds.contains(id)));
            }
            int slash = e.getKey().indexOf('/');
            led.add(new ClusterStatusResponse.LedPartition(e.getKey().substring(slash + 1),
                    Integer.parseInt(e.getKey().substring(0, slash)), st.lastLogIndex(), replicas));
        }
        led.sort(java.util.Comparator.comparing(ClusterStatusResponse.LedPartition::topic)
                .thenComparingInt(ClusterStatusResponse.LedPartition::partition));
        return led;
    }

    private static RequestException notLeader(String leaderId, Map<String, String> clientAddrs, String topic,
                                              int partition) {
        return new RequestException("not leader: leader_id=" + leaderId + " leader_addr="
                + clientAddrs.getOrDefault(leaderId, "") + " (topic " + topic + " partition " + partition + ")");
    }

    private static void deleteDir(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove Raft state " + dir + ": " + e);
        }
    }

    @Override
    public void close() {
        closed = true;
        pacer.close(); // a start waiting for room would hold the lifecycle thread past the wait below
        lifecycle.shutdown();
        try {
            lifecycle.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        groups.values().forEach(RaftGroup::close);
        groups.clear();
        machines.clear();
        schedules.values().forEach(PartitionSchedule::close);
        schedules.clear();
    }
}
