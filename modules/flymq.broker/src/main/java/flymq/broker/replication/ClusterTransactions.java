package flymq.broker.replication;

import flymq.broker.cluster.PartitionLeader;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.produce.ProduceAcknowledger;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.broker.txn.TransactionCoordinator;
import flymq.broker.txn.TransactionRequests;
import flymq.broker.txn.TransactionStateLog;
import flymq.protocol.Acks;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.TxnAppendRequest;
import flymq.protocol.message.TxnAppendResponse;
import flymq.protocol.message.TxnForwardRequest;
import flymq.raft.RaftGroup;
import flymq.raft.RaftMember;
import flymq.storage.Header;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Transactions in a cluster (docs/transactions.md, "In a cluster"). The transaction coordinator runs on the node that
 * leads the metadata Raft group, and only there:
 * <ul>
 *   <li><b>State.</b> Its state ({@code TransactionStore}'s keys: open transactions and their partitions, pending
 *       group offsets, commit decisions, aborted ranges, outcomes) is changed only through metadata command 12
 *       TXN_STATE, so every node holds a copy ({@link MetadataStateMachine#transactionState()}) and a change is
 *       durable on a majority before the coordinator goes on (the commit point is the TXN_STATE holding the
 *       decision).</li>
 *   <li><b>Failover.</b> A node that becomes metadata leader first commits an empty TXN_STATE (after which it has
 *       applied everything its predecessor committed), then opens a coordinator over the copy, whose recovery
 *       completes every decided commit (markers, offsets) and aborts every transaction that was open: an undecided
 *       transaction does not survive its coordinator. A node that stops leading drops its coordinator; its writes
 *       would be refused by Raft anyway.</li>
 *   <li><b>Records and markers</b> go to each partition's leader and through the partition's Raft group like any
 *       produce, always with acks {@code all} (a transaction's records and markers must not be lost by a partition
 *       failover once acknowledged), through TXN_APPEND 0xC7 when another node leads the partition. Every replica
 *       learns from its log which transactions are open or aborted ({@code ReplicaTransactions}).</li>
 *   <li><b>Requests</b> (BEGIN_TX, COMMIT_TX, ABORT_TX, PRODUCE_TX, BATCH_PRODUCE_TX, TXN_COMMIT_OFFSET) on another node
 *       are forwarded to the coordinator once, wrapped in TXN_FORWARD 0xC6, and its answer is returned unchanged.
 *       Transactional group offsets are committed through the metadata group as a COMMIT is.</li>
 * </ul>
 */
public final class ClusterTransactions implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClusterTransactions.class.getName());

    /** Opens a coordinator over the replicated state, appending and committing offsets as given. */
    @FunctionalInterface
    public interface Opener {
        TransactionCoordinator open(TransactionStateLog state, TransactionCoordinator.Appender appender,
                                    TransactionCoordinator.GroupOffsets offsets);
    }

    /** Commits a metadata command through the group; throws when this node does not lead it or it fails. */
    @FunctionalInterface
    interface Replicator {
        void replicate(MetadataCommand command, String what);
    }

    private record Serving(TransactionCoordinator coordinator, TransactionRequests requests, ReplicatedState state) {
    }

    private final String self;
    private final Supplier<RaftGroup<Boolean>> group;
    private final Supplier<MetadataStateMachine> stateMachine;
    private final Replicator replicator;
    private final PartitionLeadership leadership;
    private final LeaderForwarder forwarder;
    private final ProduceAcknowledger acknowledger;
    private final TopicManager topics;
    private final GroupCoordinator groups;
    private final Opener opener;
    private final Function<TransactionCoordinator, TransactionRequests> requests;
    private final ExecutorService lifecycle = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("flymq-txn-coordinator").daemon(true).factory());
    private volatile Serving serving;
    private volatile boolean closed;

    ClusterTransactions(String self, Supplier<RaftGroup<Boolean>> group, Supplier<MetadataStateMachine> stateMachine,
                        Replicator replicator, PartitionLeadership leadership, LeaderForwarder forwarder,
                        ProduceAcknowledger acknowledger, TopicManager topics, GroupCoordinator groups,
                        Opener opener, Function<TransactionCoordinator, TransactionRequests> requests) {
        this.self = self;
        this.group = group;
        this.stateMachine = stateMachine;
        this.replicator = replicator;
        this.leadership = leadership;
        this.forwarder = forwarder;
        this.acknowledger = acknowledger;
        this.topics = topics;
        this.groups = groups;
        this.opener = opener;
        this.requests = requests;
    }

    // ------------------------------------------------------------------ coordinator lifecycle

    /** The metadata group's leader changed (any thread): start or drop the coordinator, off the Raft thread. */
    void leaderChanged() {
        if (!closed) {
            lifecycle.execute(this::follow);
        }
    }

    /** Brings the coordinator in line with the metadata leadership now; run on the lifecycle thread only. */
    private void follow() {
        RaftGroup<Boolean> g = group.get();
        boolean leads = g != null && g.isLeader() && !closed;
        Serving s = serving;
        if (!leads) {
            if (s != null) {
                serving = null;
                s.state().depose();
                s.coordinator().close();
                LOG.log(System.Logger.Level.INFO, "node " + self + " no longer leads the metadata group: its "
                        + "transaction coordinator stopped");
            }
            return;
        }
        if (s != null) {
            return;
        }
        try {
            // a barrier: once committed, this node has applied every TXN_STATE its predecessors committed
            replicator.replicate(new MetadataCommand.TxnState(Map.of(), List.of()), "take over the transactions");
            ReplicatedState state = new ReplicatedState();
            TransactionCoordinator c = opener.open(state, this::append, new Offsets());
            serving = new Serving(c, requests.apply(c), state);
            LOG.log(System.Logger.Level.INFO, "node " + self + " runs the cluster's transaction coordinator");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "node " + self + " leads the metadata group but could not start the "
                    + "transaction coordinator yet (retried): " + e.getMessage());
        }
    }

    /**
     * Run by the node's housekeeping thread: starts the coordinator when an earlier start failed, aborts timed-out
     * transactions and retries decided commits whose markers could not all be written.
     */
    public void expire() {
        if (closed) {
            return;
        }
        Serving s = serving;
        RaftGroup<Boolean> g = group.get();
        if (s == null ? g != null && g.isLeader() : g == null || !g.isLeader()) {
            lifecycle.execute(this::follow);
        }
        if (s != null) {
            s.coordinator().expire();
        }
    }

    /** Transactions open on this node's coordinator (0 when it runs elsewhere). */
    public int openCount() {
        Serving s = serving;
        return s == null ? 0 : s.coordinator().openCount();
    }

    /** Whether this node runs the coordinator now. */
    public boolean coordinating() {
        return serving != null;
    }

    // ------------------------------------------------------------------ requests

    /** The handler of transaction opcode {@code opcode}: served here when this node coordinates, else forwarded. */
    public RequestHandler handler(int opcode) {
        return (session, in, out) -> {
            Serving s = serving;
            if (s != null) {
                dispatch(s.requests(), opcode, session, in, out);
                return;
            }
            byte[] payload = new byte[in.remaining()];
            System.arraycopy(in.array(), in.position(), payload, 0, payload.length);
            in.skip(payload.length, "payload");
            RaftGroup<Boolean> g = group.get();
            Optional<RaftMember> leader = g == null ? Optional.empty() : g.leader();
            if (leader.isEmpty()) {
                throw new RequestException("not leader: no leader elected (" + Opcodes.name(opcode) + " needs the "
                        + "transaction coordinator, which runs on the metadata leader)");
            }
            if (leader.get().id().equals(self)) {
                throw new RequestException("transaction coordinator on node " + self + " is starting (it completes "
                        + "or aborts the previous coordinator's transactions first): retry " + Opcodes.name(opcode));
            }
            String addr = stateMachine.get().clientAddrs().getOrDefault(leader.get().id(), "");
            if (addr.isEmpty()) {
                throw new RequestException("not leader: leader_id=" + leader.get().id() + " leader_addr= ("
                        + Opcodes.name(opcode) + ": the coordinator's client address is not known yet)");
            }
            byte[] answer;
            try {
                answer = forwarder.call(leader.get().id(), addr, ExtensionOpcodes.TXN_FORWARD,
                        new TxnForwardRequest(opcode, payload));
            } catch (LeaderForwarder.Unreachable e) {
                throw new RequestException("not leader: leader_id=" + leader.get().id() + " leader_addr=" + addr
                        + " (" + Opcodes.name(opcode) + ": " + e.getMessage() + ")");
            }
            out.raw(answer, 0, answer.length);
        };
    }

    /** TXN_FORWARD 0xC6: a transaction request another node forwarded; served here, never forwarded again. */
    public void forwarded(Session session, PayloadReader in, PayloadWriter out) {
        TxnForwardRequest r = TxnForwardRequest.read(in);
        Serving s = serving;
        if (s == null) {
            RaftGroup<Boolean> g = group.get();
            String leader = g == null ? "" : g.leader().map(RaftMember::id).orElse("");
            throw new RequestException("not leader: leader_id=" + leader + " leader_addr= (" + Opcodes.name(r.opcode())
                    + " forwarded to node " + self + ", which does not run the transaction coordinator)");
        }
        dispatch(s.requests(), r.opcode(), session, new PayloadReader(r.payload()), out);
    }

    /** TXN_APPEND 0xC7: the coordinator's records or marker for a partition this node leads. */
    public void append(Session session, PayloadReader in, PayloadWriter out) {
        TxnAppendRequest r = TxnAppendRequest.read(in);
        Topic topic = topics.topic(r.topic());
        if (r.partition() < 0 || r.partition() >= topic.partitionCount()) {
            throw new RequestException("TXN_APPEND: partition " + r.partition() + " of " + r.topic() + " not found");
        }
        List<Record> records = new ArrayList<>(r.records().size());
        for (TxnAppendRequest.Entry e : r.records()) {
            List<Header> headers = new ArrayList<>(e.headers().size());
            for (TxnAppendRequest.Header h : e.headers()) {
                headers.add(new Header(h.key(), h.value()));
            }
            records.add(new Record(e.timestamp(), e.key(), e.value(), List.copyOf(headers)));
        }
        if (TransactionRequests.reservedHeader(records) == null) {
            throw new RequestException("TXN_APPEND to " + r.topic() + "-" + r.partition() + ": records without a "
                    + "transaction id (only the coordinator's transactional records are appended this way)");
        }
        long base = acknowledger.appendAndAcknowledge(r.topic(), r.partition(), topic.log(r.partition()), records,
                Acks.ALL);
        new TxnAppendResponse(base).write(out);
    }

    private static void dispatch(TransactionRequests requests, int opcode, Session session, PayloadReader in,
                                 PayloadWriter out) {
        switch (opcode) {
            case Opcodes.BEGIN_TX -> requests.begin(session, in, out);
            case Opcodes.COMMIT_TX -> requests.commit(session, in, out);
            case Opcodes.ABORT_TX -> requests.abort(session, in, out);
            case Opcodes.PRODUCE_TX -> requests.produce(session, in, out);
            case ExtensionOpcodes.BATCH_PRODUCE_TX -> requests.batchProduce(session, in, out);
            case ExtensionOpcodes.TXN_COMMIT_OFFSET -> requests.commitOffset(session, in, out);
            default -> throw new RequestException("TXN_FORWARD: " + Opcodes.name(opcode) + " is not a transaction "
                    + "request");
        }
    }

    // ------------------------------------------------------------------ the coordinator's seams

    /**
     * The coordinator's appender: on the partition's leader, through its Raft group; acks {@code all} always (see
     * the class comment).
     */
    private long append(String topic, int partition, PartitionLog log, List<Record> batch, Acks ignored) {
        PartitionLeader owner = leadership.awaitLeader(topic, partition, PartitionRouter.ELECTION_WAIT);
        if (owner.local()) {
            return acknowledger.appendAndAcknowledge(topic, partition, log, batch, Acks.ALL);
        }
        if (owner.leaderId().isEmpty() || owner.leaderAddr().isEmpty()) {
            throw new RequestException("partition " + topic + "-" + partition + " has no leader reachable yet ("
                    + (owner.leaderId().isEmpty() ? "being elected" : "leader " + owner.leaderId()
                    + "'s client address not known") + "): retry");
        }
        List<TxnAppendRequest.Entry> entries = new ArrayList<>(batch.size());
        for (Record r : batch) {
            List<TxnAppendRequest.Header> headers = new ArrayList<>(r.headers().size());
            for (Header h : r.headers()) {
                headers.add(new TxnAppendRequest.Header(h.key(), h.value()));
            }
            entries.add(new TxnAppendRequest.Entry(r.timestamp(), r.key(), r.value(), headers));
        }
        byte[] answer = forwarder.call(owner.leaderId(), owner.leaderAddr(), ExtensionOpcodes.TXN_APPEND,
                new TxnAppendRequest(topic, partition, Acks.ALL, entries));
        return TxnAppendResponse.read(new PayloadReader(answer)).baseOffset();
    }

    /** Transactional group offsets: checked against this node's log, committed through the metadata group. */
    private final class Offsets implements TransactionCoordinator.GroupOffsets {
        @Override
        public void check(String request, String topic, String group, int partition, long offset) {
            groups.checkOffset(request, topic, group, partition, offset);
        }

        @Override
        public void commit(String topic, String group, int partition, long offset) {
            replicator.replicate(new MetadataCommand.CommitOffset(topic, group, partition, offset),
                    "commit offset " + offset + " of group " + group + " for " + topic + "-" + partition
                            + " (transaction)");
        }
    }

    /**
     * The coordinator's state: read from this node's applied copy, changed through TXN_STATE. Once deposed (this
     * node stopped leading), every change is refused, so a coordinator that lost its leadership cannot decide.
     */
    private final class ReplicatedState implements TransactionStateLog {
        private volatile boolean deposed;

        void depose() {
            deposed = true;
        }

        @Override
        public OptionalLong get(String key) {
            Long v = stateMachine.get().transactionState().get(key);
            return v == null ? OptionalLong.empty() : OptionalLong.of(v);
        }

        @Override
        public Map<String, Long> snapshot() {
            return Map.copyOf(stateMachine.get().transactionState());
        }

        @Override
        public void put(String key, long value) {
            apply(Map.of(key, value), List.of());
        }

        @Override
        public void remove(String key) {
            apply(Map.of(), List.of(key));
        }

        @Override
        public void apply(Map<String, Long> puts, Collection<String> removes) {
            if (deposed || closed) {
                throw new RequestException("node " + self + " no longer runs the transaction coordinator: retry");
            }
            replicator.replicate(new MetadataCommand.TxnState(puts, List.copyOf(removes)),
                    "change the transaction state");
        }

        @Override
        public void close() {
            deposed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        lifecycle.shutdownNow();
        Serving s = serving;
        serving = null;
        if (s != null) {
            s.state().depose();
            s.coordinator().close();
        }
    }
}
