package flymq.broker.replication;

import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.RequestException;
import flymq.protocol.message.BatchFetchRequest;
import flymq.protocol.message.BatchFetchResponse;
import flymq.protocol.message.DelayedEntriesRequest;
import flymq.protocol.message.DelayedEntriesResponse;
import flymq.broker.delay.PartitionSchedule;
import flymq.raft.RaftGroup;
import flymq.raft.RaftMember;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.storage.StorageException;
import flymq.storage.StoredRecord;
import flymq.storage.StoredRecords;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Brings a partition replica's log up to a snapshot's offset by copying the missing records from the partition's
 * leader, when the leader's Raft log no longer holds the entries that carried them (compacted after a snapshot).
 * The records travel as a BATCH_FETCH (0xC1) to the leader's client port, which carries timestamps, keys, values
 * and headers as stored; they are appended here in order, each batch checked to land at the offset it has on the
 * leader. It runs on the partition group's Raft thread: this replica applies nothing newer until its log is
 * complete, which is what Raft expects of a snapshot install.
 *
 * <p>When no leader is known here, the records are read from the other replicas' own logs instead (a BATCH_FETCH
 * with the forwarded marker, which a replica serves from its log only when that log may answer reads): a
 * replica's log only ever holds committed records, so any replica's copy of {@code [from, to)} is the leader's.
 * That is the case of a member that restores a snapshot from its own Raft state while it starts, after a restart
 * that lost the tail of its partition log: it has heard from no leader yet, and its group is not even running, so
 * waiting for a leader would never end. An unknown or unreachable source is retried until {@value #DEADLINE_MS} ms
 * have passed without progress.
 */
final class ReplicaCatchUp implements PartitionStateMachine.CatchUp {
    private static final System.Logger LOG = System.getLogger(ReplicaCatchUp.class.getName());
    private static final long DEADLINE_MS = 60_000;
    private static final int MAX_BYTES = 1 << 20;

    private final String topic;
    private final int partition;
    private final String selfId;
    private final Supplier<Optional<RaftGroup<Long>>> group;
    private final Supplier<List<String>> peers;
    private final Supplier<Map<String, String>> clientAddrs;
    private final Supplier<LeaderForwarder> links;
    private final java.util.function.LongConsumer pace;

    /**
     * @param links a new connection to the leader per catch-up, on the node's forwarding budget (logged in when
     *              auth is on)
     */
    ReplicaCatchUp(String topic, int partition, String selfId, Supplier<Optional<RaftGroup<Long>>> group,
                   Supplier<Map<String, String>> clientAddrs, Supplier<LeaderForwarder> links) {
        this(topic, partition, selfId, group, List::of, clientAddrs, links, bytes -> { });
    }

    /**
     * @param peers the partition's other replicas (node ids), read from when no leader is known here
     * @param pace  called with the size of each copied batch: a learner waits there for its throttle
     */
    ReplicaCatchUp(String topic, int partition, String selfId, Supplier<Optional<RaftGroup<Long>>> group,
                   Supplier<List<String>> peers, Supplier<Map<String, String>> clientAddrs,
                   Supplier<LeaderForwarder> links, java.util.function.LongConsumer pace) {
        this.pace = pace;
        this.topic = topic;
        this.partition = partition;
        this.selfId = selfId;
        this.group = group;
        this.peers = peers;
        this.clientAddrs = clientAddrs;
        this.links = links;
    }

    /** Where records are read: a node's client address, and whether it is asked for its own copy (forwarded). */
    private record Source(String nodeId, String addr, boolean ownCopy) {
    }

    /** The group's leader when one is known here, else every other replica with a known client address. */
    private List<Source> sources() {
        Map<String, String> addrs = clientAddrs.get();
        Optional<String> leader = group.get().flatMap(RaftGroup::leader).map(RaftMember::id)
                .filter(id -> !id.equals(selfId));
        String leaderAddr = leader.map(id -> addrs.getOrDefault(id, "")).orElse("");
        if (!leaderAddr.isEmpty()) {
            return List.of(new Source(leader.get(), leaderAddr, false));
        }
        List<Source> sources = new ArrayList<>();
        for (String id : peers.get()) {
            String addr = addrs.getOrDefault(id, "");
            if (!id.equals(selfId) && !addr.isEmpty()) {
                sources.add(new Source(id, addr, true));
            }
        }
        return sources;
    }

    @Override
    public void copy(PartitionLog log, long from, long to) {
        long deadline = System.nanoTime() + DEADLINE_MS * 1_000_000;
        long pos = from;
        String lastProblem = "no leader known and no other replica's client address known";
        while (pos < to) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("partition " + topic + "-" + partition + ": could not copy offsets "
                        + pos + ".." + (to - 1) + " from the leader or another replica within " + DEADLINE_MS
                        + " ms (" + lastProblem + ")");
            }
            for (Source source : sources()) {
                String addr = source.addr();
                String what = source.ownCopy() ? "replica " + source.nodeId() + " at " + addr : "leader at " + addr;
                try (LeaderForwarder link = links.get()) {
                    while (pos < to) {
                        LeaderSlice f = fetch(link, source, pos);
                        List<Record> batch = new ArrayList<>();
                        for (StoredRecord r : f.records()) {
                            if (r.offset() >= to) {
                                break;
                            }
                            if (r.offset() != pos + batch.size()) {
                                throw new IllegalStateException("partition " + topic + "-" + partition + ": " + what
                                        + " returned offset " + r.offset() + ", expected " + (pos + batch.size()));
                            }
                            batch.add(new Record(r.timestamp(), r.key(), r.value(), r.headers(), r.expiresAt()));
                        }
                        if (batch.isEmpty()) {
                            lastProblem = what + " has no record at offset " + pos + " yet (its log ends at "
                                    + f.endOffset() + ")";
                            break; // a new leader still applying its log, a replica behind: ask again shortly
                        }
                        long bytes = 0;
                        for (Record r : batch) {
                            bytes += 16 + r.value().length + (r.key() == null ? 0 : r.key().length);
                        }
                        pace.accept(bytes);
                        long base = log.append(batch);
                        if (base != pos) {
                            throw new IllegalStateException("partition " + topic + "-" + partition + ": copied"
                                    + " records landed at offset " + base + ", expected " + pos);
                        }
                        pos += batch.size();
                        // progress: the deadline is for sources that cannot be reached, not for a throttled copy
                        deadline = System.nanoTime() + DEADLINE_MS * 1_000_000;
                    }
                } catch (RequestException | MalformedPayloadException | StorageException e) {
                    lastProblem = what + ": " + e.getMessage();
                    LOG.log(System.Logger.Level.DEBUG, "catch-up of " + topic + "-" + partition + " retrying: "
                            + lastProblem);
                }
                if (pos >= to) {
                    break;
                }
            }
            if (pos < to) {
                pause();
            }
        }
        LOG.log(System.Logger.Level.INFO, "partition " + topic + "-" + partition + ": copied offsets " + from + ".."
                + (to - 1) + " from the leader or another replica");
    }

    /**
     * The delayed-delivery schedule entries {@code [from, to)} of one minute, from the leader's copy (DELAYED_ENTRIES
     * 0xCC): what a replica that installed a snapshot misses of its partition's schedule. Like {@link #copy}, it runs
     * on the group's Raft thread and retries an unknown or unreachable leader until the deadline. Null when the
     * leader retired the minute since (its entries are never needed here: the retirement is in the log to apply).
     */
    List<PartitionSchedule.Entry> scheduleEntries(long minute, int from, int to) {
        ScheduleCopy copy = scheduleCopy(minute, from, to, 0, 0);
        return copy == null ? null : copy.entries();
    }

    /** The cancels {@code [from, to)} of one minute of the leader's schedule, as {@link #scheduleEntries}. */
    int[] scheduleCancels(long minute, int from, int to) {
        ScheduleCopy copy = scheduleCopy(minute, 0, 0, from, to);
        return copy == null ? null : copy.cancels();
    }

    private record ScheduleCopy(List<PartitionSchedule.Entry> entries, int[] cancels) {
    }

    private ScheduleCopy scheduleCopy(long minute, int from, int to, int fromCancel, int toCancel) {
        long deadline = System.nanoTime() + DEADLINE_MS * 1_000_000;
        String lastProblem = "no leader known";
        while (System.nanoTime() < deadline) {
            Optional<String> leader = group.get().flatMap(RaftGroup::leader).map(RaftMember::id)
                    .filter(id -> !id.equals(selfId));
            String addr = leader.map(id -> clientAddrs.get().getOrDefault(id, "")).orElse("");
            if (!addr.isEmpty()) {
                try (LeaderForwarder link = links.get()) {
                    byte[] answer = link.call(leader.get(), addr, ExtensionOpcodes.DELAYED_ENTRIES,
                            new DelayedEntriesRequest(topic, partition, minute, from, to, fromCancel, toCancel));
                    DelayedEntriesResponse got = DelayedEntriesResponse.read(new PayloadReader(answer));
                    if (got.retired()) {
                        return null; // released or cancelled entirely since the snapshot: nothing to copy
                    }
                    List<PartitionSchedule.Entry> out = new ArrayList<>();
                    for (DelayedEntriesResponse.Entry e : got.entries()) {
                        out.add(new PartitionSchedule.Entry(e.seq(), e.dueMs(), e.scheduledMs(),
                                e.key().length == 0 ? null : e.key(), e.value()));
                    }
                    if ((to <= from || !out.isEmpty()) && got.cancels().length == Math.max(0, toCancel - fromCancel)) {
                        return new ScheduleCopy(out, got.cancels());
                    }
                    lastProblem = "leader at " + addr + " has no entry " + from + " of minute " + minute + " yet";
                } catch (RequestException | MalformedPayloadException e) {
                    lastProblem = "leader at " + addr + ": " + e.getMessage();
                }
            }
            pause();
        }
        throw new IllegalStateException("partition " + topic + "-" + partition + ": could not copy delayed entries "
                + from + ".." + (to - 1) + " of minute " + minute + " from the leader within " + DEADLINE_MS
                + " ms (" + lastProblem + ")");
    }

    private record LeaderSlice(long endOffset, List<StoredRecord> records) {
    }

    /**
     * One BATCH_FETCH of this partition from {@code offset}; the records arrive in the stored format. A leader is
     * asked as a client would (it routes the request to whoever leads by now); another replica with the forwarded
     * marker, so it answers from its own log (or refuses when that log may not answer reads).
     */
    private LeaderSlice fetch(LeaderForwarder link, Source source, long offset) {
        String addr = source.addr();
        BatchFetchRequest request = new BatchFetchRequest(topic, MAX_BYTES,
                List.of(new BatchFetchRequest.Position(partition, offset)), source.ownCopy(),
                BatchFetchRequest.Isolation.READ_UNCOMMITTED); // a replica copies every record, markers included
        byte[] answer = link.call(source.nodeId(), addr, ExtensionOpcodes.BATCH_FETCH, request);
        PayloadReader r = new PayloadReader(answer);
        List<BatchFetchResponse.PartitionHeader> partitions = BatchFetchResponse.read(r).partitions();
        if (partitions.size() != 1) {
            throw new RequestException("BATCH_FETCH answer from " + addr + " does not hold exactly one partition");
        }
        BatchFetchResponse.PartitionHeader p = partitions.get(0);
        if (!p.error().isEmpty()) {
            throw new RequestException(p.error());
        }
        return new LeaderSlice(p.endOffset(), StoredRecords.decode(ByteBuffer.wrap(answer, r.position(),
                p.byteLength())));
    }

    private static void pause() {
        try {
            Thread.sleep(50); // an election or a leader's apply completes within a few heartbeats
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while catching up", e);
        }
    }
}
