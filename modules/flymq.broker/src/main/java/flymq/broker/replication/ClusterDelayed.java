package flymq.broker.replication;

import flymq.broker.BrokerListener;
import flymq.broker.delay.DelayedCounts;
import flymq.broker.delay.DelayedDelivery;
import flymq.broker.delay.PartitionSchedule;
import flymq.broker.produce.ProduceHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.RecordExpiry;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.CancelDelayedRequest;
import flymq.protocol.message.CancelDelayedResponse;
import flymq.protocol.message.DelayedEntriesRequest;
import flymq.protocol.message.DelayedEntriesResponse;
import flymq.protocol.message.ProduceResponse;
import flymq.protocol.message.TimedProduceRequest;
import flymq.raft.Committed;
import flymq.raft.RaftGroup;
import flymq.raft.RaftGroupException;
import flymq.raft.RaftMember;
import flymq.storage.Header;
import flymq.storage.Record;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Delayed delivery in a cluster (docs/delayed-and-ttl.md, "In a cluster"): each partition's schedule is replicated
 * by the partition's own Raft group ({@link PartitionSchedule} on every replica), and the partition's leader releases
 * due records through that group.
 *
 * <ul>
 *   <li>PRODUCE_DELAYED 0x30 and CANCEL_DELAYED 0x31 run on the partition's leader (the routing sends them there:
 *       PRODUCE_DELAYED with the partition chosen by the node that received it, CANCEL_DELAYED to the partition its
 *       delay id names). The leader proposes a SCHEDULE (due time = its clock + the delay) or a CANCEL and answers
 *       once the group committed and applied it.</li>
 *   <li>One thread per node, {@code flymq-delayed}, looks at the schedules of the partitions this node leads; for
 *       each, it proposes a RELEASE of up to {@value #BATCH} due records (read from this replica's files, stamped
 *       with the release time, the topic's TTL and the {@value DelayedDelivery#DELIVERED_HEADER} header) and waits
 *       for its commit. The RELEASE entry is the append: every replica appends the records it carries that its
 *       schedule has not released or seen cancelled, and moves its mark, in one apply. A leader that fails
 *       anywhere on the way leaves either a committed RELEASE (applied everywhere, the records appended once) or
 *       none (its successor releases them); a successor proposing the same records again appends nothing twice.</li>
 *   <li>DELAYED_ENTRIES 0xCC serves a replica that installed a snapshot the schedule entries its files miss.</li>
 * </ul>
 * It sleeps until the soonest due record of a led partition (at most a second), and wakes at once when a replica
 * applies a SCHEDULE, so an idle cluster releases within a few milliseconds of the due time plus one Raft commit.
 */
public final class ClusterDelayed implements DelayedCounts, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClusterDelayed.class.getName());
    private static final int BATCH = 500;
    private static final long COMMIT_TIMEOUT_MS = 10_000;
    private static final long MAX_WAIT_MS = 1000;
    private static final int MAX_COPY_BYTES = 4 << 20;

    private final String selfId;
    private final Supplier<PartitionReplicas> replicas;
    private final Supplier<Map<String, String>> clientAddrs;
    private final TopicManager topics;
    private final RecordExpiry expiry;
    private final BrokerListener listener;
    private final long maxDelayMs;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final Object signal = new Object();
    private boolean woken;
    private volatile boolean closed;
    private Thread thread;

    ClusterDelayed(String selfId, Supplier<PartitionReplicas> replicas, Supplier<Map<String, String>> clientAddrs,
                   TopicManager topics, RecordExpiry expiry, BrokerListener listener, long maxDelayMs) {
        this.selfId = selfId;
        this.replicas = replicas;
        this.clientAddrs = clientAddrs;
        this.topics = topics;
        this.expiry = expiry;
        this.listener = listener;
        this.maxDelayMs = maxDelayMs;
    }

    /** Starts the release thread (after the cluster member started). */
    public void start() {
        thread = Thread.ofPlatform().name("flymq-delayed").daemon(true).start(this::run);
    }

    /** Wakes the release thread: a SCHEDULE was applied, or a test moved the clock. */
    public void wakeUp() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    // ---------------------------------------------------------------- requests (on the partition's leader)

    /** PRODUCE_DELAYED 0x30 on the partition's leader (routed here). */
    public void produceDelayed(Session session, PayloadReader in, PayloadWriter out) {
        TimedProduceRequest r = TimedProduceRequest.read(in);
        ProduceHandler.checkRecordSize(r.key(), r.value());
        long delayMs = r.millis();
        if (delayMs < 0 || delayMs > maxDelayMs) {
            throw new RequestException("invalid delay_ms " + delayMs + " for topic " + r.topic() + ": expected 0.."
                    + maxDelayMs + " (delayed.max_delay is " + maxDelayMs / 1000 + " s)");
        }
        if (r.partition() < -1) {
            throw new RequestException("invalid partition " + r.partition() + " for topic " + r.topic()
                    + ": use -1 to let the broker choose, or a partition number from 0");
        }
        Topic topic = topics.forProduce(r.topic());
        int p = topic.choosePartition(r.key(), r.partition());
        RaftGroup<Long> g = leaderGroup(r.topic(), p);
        PartitionSchedule schedule = replicas().schedule(r.topic(), p).orElseThrow(() -> notLeader(g, r.topic(), p));
        long now = expiry.nowMs();
        for (int attempt = 1; ; attempt++) {
            // never before what the partition released already (a clock behind the previous leader's)
            long due = Math.max(now + delayMs, schedule.earliestDue());
            try {
                long id = replicateCommand(r.topic(), p, g,
                        PartitionSchedule.encodeSchedule(due, now, r.key(), r.value()));
                new ProduceResponse(r.topic(), p, id, due, r.key().length == 0 ? -1 : r.key().length,
                        r.value().length).write(out);
                return;
            } catch (PartitionSchedule.DueTooEarly e) {
                if (attempt == 3) {
                    throw new RequestException("delayed record for " + r.topic() + "-" + p + " not scheduled: "
                            + e.getMessage());
                }
            }
        }
    }

    /** CANCEL_DELAYED 0x31 on the leader of the partition the delay id names (routed here). */
    public void cancelDelayed(Session session, PayloadReader in, PayloadWriter out) {
        CancelDelayedRequest r = CancelDelayedRequest.read(in);
        long id = r.delayId();
        int p = PartitionSchedule.partitionOfId(id);
        Optional<Topic> topic = topics.find(r.topic());
        if (id < 0 || topic.isEmpty() || p >= topic.get().partitionCount()) {
            new CancelDelayedResponse(false, "no record is scheduled with delay id " + id + " in topic " + r.topic())
                    .write(out);
            return;
        }
        RaftGroup<Long> g = leaderGroup(r.topic(), p);
        long outcome = replicateCommand(r.topic(), p, g, PartitionSchedule.encodeCancel(id));
        String refused = outcome == 0 ? null : switch ((int) outcome) {
            case (int) PartitionSchedule.DELIVERED -> "the record with delay id " + id + " was already delivered to "
                    + r.topic() + "-" + p;
            case (int) PartitionSchedule.CANCELLED -> "the record with delay id " + id + " was already cancelled";
            default -> "no record is scheduled with delay id " + id + " in topic " + r.topic()
                    + " (unknown, or delivered and gone)";
        };
        if (refused == null) {
            cancelled.incrementAndGet();
        }
        new CancelDelayedResponse(refused == null, refused == null ? "cancelled delay id " + id : refused)
                .write(out);
    }

    /** DELAYED_ENTRIES 0xCC: schedule entries of a partition this node holds, for a replica that misses them. */
    public void entries(Session session, PayloadReader in, PayloadWriter out) {
        DelayedEntriesRequest r = DelayedEntriesRequest.read(in);
        PartitionSchedule schedule = replicas().schedule(r.topic(), r.partition()).orElseThrow(() ->
                new RequestException("node " + selfId + " holds no replica of " + r.topic() + "-" + r.partition()));
        List<PartitionSchedule.Entry> held = schedule.entries(r.minute(), r.fromSeq(), r.toSeq(), MAX_COPY_BYTES);
        int[] cancels = schedule.cancels(r.minute(), r.fromCancel(), r.toCancel());
        if (held == null || cancels == null) {
            new DelayedEntriesResponse(true, List.of(), new int[0]).write(out);
            return;
        }
        List<DelayedEntriesResponse.Entry> entries = new ArrayList<>();
        for (PartitionSchedule.Entry e : held) {
            entries.add(new DelayedEntriesResponse.Entry(e.seq(), e.dueMs(), e.scheduledMs(), e.key(), e.value()));
        }
        new DelayedEntriesResponse(false, entries, cancels).write(out);
    }

    private PartitionReplicas replicas() {
        PartitionReplicas r = replicas.get();
        if (r == null) {
            throw new RequestException("cluster member " + selfId + " is not running");
        }
        return r;
    }

    private RaftGroup<Long> leaderGroup(String topic, int partition) {
        RaftGroup<Long> g = replicas().group(topic, partition).orElseThrow(() -> new RequestException(
                "not leader: no leader elected (partition " + topic + "-" + partition + " has no replica group on"
                        + " node " + selfId + " yet)"));
        if (!g.isLeader()) {
            throw notLeader(g, topic, partition);
        }
        return g;
    }

    private RequestException notLeader(RaftGroup<Long> g, String topic, int partition) {
        String leader = g.leader().map(RaftMember::id).orElse("");
        return new RequestException("not leader: leader_id=" + leader + " leader_addr="
                + clientAddrs.get().getOrDefault(leader, "") + " (topic " + topic + " partition " + partition + ")");
    }

    /** Raised by {@link #commit} for BUSY: nothing was appended, so the command may be proposed again. */
    private static final class Busy extends RuntimeException {
        Busy(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    /**
     * Proposes a SCHEDULE or CANCEL and returns its result. BUSY (a leadership transfer in progress, the log full
     * until a snapshot) appended nothing: proposed again while this node still leads, up to the commit timeout.
     */
    private long replicateCommand(String topic, int partition, RaftGroup<Long> g, byte[] command) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COMMIT_TIMEOUT_MS);
        while (true) {
            try {
                return commit(g, propose(topic, partition, g, command), topic, partition);
            } catch (Busy e) {
                if (System.nanoTime() > deadline) {
                    throw new RequestException("delayed-delivery command for " + topic + "-" + partition
                            + " not accepted within " + COMMIT_TIMEOUT_MS + " ms: " + e.getMessage());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new RequestException("interrupted while replicating to " + topic + "-" + partition);
                }
                if (!g.isLeader()) {
                    throw notLeader(g, topic, partition);
                }
            }
        }
    }

    /** Proposes a SCHEDULE or CANCEL within the partition's bound on uncommitted proposals (shared with produces). */
    private CompletableFuture<Committed<Long>> propose(String topic, int partition, RaftGroup<Long> g,
                                                       byte[] command) {
        OffsetSequencer sequencer = replicas().sequencer(topic, partition).orElseThrow(() ->
                notLeader(g, topic, partition));
        try {
            return sequencer.proposeWithoutRecords(g, command, COMMIT_TIMEOUT_MS).orElseThrow(() ->
                    new RequestException("delayed-delivery command for " + topic + "-" + partition + " refused: "
                            + OffsetSequencer.MAX_UNCOMMITTED + " proposals have been waiting for a majority of "
                            + g.members() + " for " + COMMIT_TIMEOUT_MS + " ms"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestException("interrupted while replicating to " + topic + "-" + partition);
        }
    }

    /** The command's result once committed and applied here; the state machine's refusal is rethrown as is. */
    private long commit(RaftGroup<Long> g, CompletableFuture<Committed<Long>> future, String topic, int partition) {
        try {
            return future.get(COMMIT_TIMEOUT_MS, TimeUnit.MILLISECONDS).result();
        } catch (ExecutionException e) {
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t instanceof PartitionSchedule.DueTooEarly d) {
                    throw d;
                }
                if (t instanceof RaftGroupException rge && rge.reason() == RaftGroupException.Reason.NOT_LEADER) {
                    throw notLeader(g, topic, partition);
                }
                if (t instanceof RaftGroupException rge && rge.reason() == RaftGroupException.Reason.BUSY) {
                    throw new Busy(rge);
                }
            }
            throw new RequestException("delayed-delivery command for " + topic + "-" + partition
                    + " not committed: " + e.getCause());
        } catch (TimeoutException e) {
            throw new RequestException("delayed-delivery command for " + topic + "-" + partition + " not committed by"
                    + " a majority of " + g.members() + " within " + COMMIT_TIMEOUT_MS + " ms; it may still be");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestException("interrupted while replicating to " + topic + "-" + partition);
        }
    }

    // ---------------------------------------------------------------- release

    private void run() {
        while (!closed) {
            long now = expiry.nowMs();
            long next = now + MAX_WAIT_MS;
            try {
                PartitionReplicas r = replicas.get();
                if (r != null) {
                    for (PartitionSchedule s : r.schedules()) {
                        next = Math.min(next, release(r, s));
                        if (closed) {
                            return;
                        }
                    }
                }
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "delayed delivery failed, retrying in 1 s: " + e, e);
            }
            synchronized (signal) {
                long wait = next - expiry.nowMs();
                if (!woken && !closed && wait > 0) {
                    try {
                        signal.wait(Math.min(wait, MAX_WAIT_MS));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                woken = false;
            }
        }
    }

    /**
     * Releases what is due in one partition this node leads; returns when to look again (0: at once, more may be
     * due).
     */
    private long release(PartitionReplicas r, PartitionSchedule s) {
        Optional<RaftGroup<Long>> group = r.group(s.topic(), s.partition());
        Optional<OffsetSequencer> sequencer = r.sequencer(s.topic(), s.partition());
        if (group.isEmpty() || sequencer.isEmpty() || !group.get().isLeader()) {
            s.dropWindow();
            return Long.MAX_VALUE;
        }
        long now = expiry.nowMs();
        List<PartitionSchedule.DueRecord> due = s.due(now, BATCH);
        long retire = due.isEmpty() ? s.retirable(now) : -1;
        if (due.isEmpty() && retire < 0) {
            return s.nextDueMs(now);
        }
        Optional<Topic> topic = topics.find(s.topic());
        if (topic.isEmpty()) {
            return Long.MAX_VALUE; // deleted: its groups stop
        }
        long expiresAt = expiry.defaultExpiresAt(topic.get(), now);
        long[] dues = new long[due.size()];
        long[] ids = new long[due.size()];
        List<Record> records = new ArrayList<>(due.size());
        long bytes = 0;
        for (int i = 0; i < dues.length; i++) {
            PartitionSchedule.DueRecord d = due.get(i);
            dues[i] = d.dueMs();
            ids[i] = d.id();
            records.add(new Record(now, d.key(), d.value(),
                    List.of(new Header(DelayedDelivery.DELIVERED_HEADER, ByteBuffer.allocate(8).putLong(d.id())
                            .array())), expiresAt));
            bytes += (d.key() == null ? 0 : d.key().length) + d.value().length;
        }
        long start = System.nanoTime();
        try {
            Optional<CompletableFuture<Committed<Long>>> proposal = sequencer.get().proposeUnforeseen(group.get(),
                    PartitionStateMachine.encodeRelease(retire, dues, ids, records), COMMIT_TIMEOUT_MS);
            if (proposal.isEmpty()) {
                return now + 100; // the partition's proposals are backed up: try again shortly
            }
            long appended = proposal.get().get(COMMIT_TIMEOUT_MS, TimeUnit.MILLISECONDS).result();
            if (appended > 0) {
                delivered.addAndGet(appended);
                listener.produced(s.topic(), s.partition(), (int) appended, appended == records.size() ? bytes
                        : bytes * appended / records.size(), System.nanoTime() - start);
            }
            return 0;
        } catch (ExecutionException | TimeoutException e) {
            // lost leadership, or a majority unreachable: the next leader (or a later pass) releases them
            LOG.log(System.Logger.Level.DEBUG, "release of " + ids.length + " delayed records to " + s.topic() + "-"
                    + s.partition() + " not committed: " + e);
            return now + 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            return Long.MAX_VALUE;
        }
    }

    // ---------------------------------------------------------------- counts

    /** Records pending in the partitions this node leads (the cluster's total is the sum over its nodes). */
    @Override
    public long pending() {
        PartitionReplicas r = replicas.get();
        if (r == null) {
            return 0;
        }
        long n = 0;
        for (PartitionSchedule s : r.schedules()) {
            if (r.group(s.topic(), s.partition()).map(RaftGroup::isLeader).orElse(false)) {
                n += s.pending();
            }
        }
        return n;
    }

    /** Records this node released as a partition leader since it started. */
    @Override
    public long delivered() {
        return delivered.get();
    }

    /** Cancels this node served as a partition leader since it started. */
    @Override
    public long cancelled() {
        return cancelled.get();
    }

    /** Always 0: a deleted topic's schedules go with its partition groups. */
    @Override
    public long dropped() {
        return 0;
    }

    @Override
    public void close() {
        closed = true;
        wakeUp();
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(15));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
