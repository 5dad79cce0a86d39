package flymq.raft;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory the Raft groups of one node may hold, shared by all of them: pass one instance to every group's
 * {@link RaftGroupConfig} (a group built without one gets its own). Three bounds:
 *
 * <ul>
 *   <li><b>Log bytes</b> ({@code logBytes}): MicroRaft keeps every entry in memory until a snapshot drops it, and
 *       takes snapshots only every {@code commitCountToTakeSnapshot} commits; with large commands (a produced
 *       batch is tens of KiB) that count alone lets a node's logs grow to the whole heap. Each group counts the
 *       command bytes it applied since its last snapshot; when the node's total reaches {@code logBytes}, the
 *       group holding the most takes a snapshot now (which also drops its entries). A snapshot already requested
 *       is not requested again, so the total stays near {@code logBytes} plus what snapshots in progress still
 *       hold, whatever the number of groups. Below each snapshot a group keeps at most
 *       {@link #keptBelowSnapshotBytes()} for followers close behind. Entries not yet committed are bounded by the producers' admission
 *       (the broker's {@code cluster.produce_inflight_bytes}), not here.</li>
 *   <li><b>Inbound bytes</b> ({@link #inbound()}): entries received from a leader and waiting for their group's
 *       Raft thread. The transport's reader thread takes them before handing a request over and the Raft thread
 *       gives them back once it handled it, so a slow Raft thread (a long fsync) stops the reader, and TCP stops
 *       the leader, instead of filling the queue.</li>
 *   <li><b>AppendEntries bytes</b> ({@code appendEntriesBytes}): most command bytes in one AppendEntries request
 *       (at least one entry is always sent). MicroRaft batches up to {@code appendEntriesBatchSize} entries
 *       whatever their size, and has one request in flight per follower, so this bounds the encoded copies a
 *       leader makes per follower.</li>
 * </ul>
 */
public final class RaftMemory {
    public static final long DEFAULT_LOG_BYTES = 32L * 1024 * 1024;
    public static final long DEFAULT_INBOUND_BYTES = 16L * 1024 * 1024;
    public static final int DEFAULT_APPEND_ENTRIES_BYTES = 1024 * 1024;

    /** One group's share of the log bytes, as the group reports it. */
    interface LogHolder {
        /** Bytes applied since the last snapshot, 0 while a snapshot is already on its way. */
        long held();

        /** Takes a snapshot soon (asynchronously); once taken, the group reports its bytes released. */
        void compact();
    }

    private final long logBytes;
    private final MemoryBudget inbound;
    private final int appendEntriesBytes;
    private final AtomicLong logHeld = new AtomicLong();
    private final Set<LogHolder> holders = ConcurrentHashMap.newKeySet();

    /**
     * @param logBytes           applied command bytes the node's logs may hold before the largest is snapshotted
     * @param inboundBytes       received entry bytes waiting for Raft threads
     * @param appendEntriesBytes most command bytes per AppendEntries request
     */
    public RaftMemory(long logBytes, long inboundBytes, int appendEntriesBytes) {
        if (logBytes < 1 || appendEntriesBytes < 1) {
            throw new IllegalArgumentException("Raft memory bounds must be positive: log " + logBytes
                    + " bytes, AppendEntries " + appendEntriesBytes + " bytes");
        }
        this.logBytes = logBytes;
        this.inbound = new MemoryBudget("cluster.raft_inbound_bytes", inboundBytes);
        this.appendEntriesBytes = appendEntriesBytes;
    }

    /** The defaults: {@value #DEFAULT_LOG_BYTES}, {@value #DEFAULT_INBOUND_BYTES}, {@value #DEFAULT_APPEND_ENTRIES_BYTES}. */
    public static RaftMemory defaults() {
        return new RaftMemory(DEFAULT_LOG_BYTES, DEFAULT_INBOUND_BYTES, DEFAULT_APPEND_ENTRIES_BYTES);
    }

    public long logBytes() {
        return logBytes;
    }

    public MemoryBudget inbound() {
        return inbound;
    }

    public int appendEntriesBytes() {
        return appendEntriesBytes;
    }

    /**
     * Command bytes of the entries at or below its latest snapshot that a group keeps in memory for followers close
     * behind: an eighth of {@link #logBytes()} ({@link SnapshotTailTrim}).
     */
    public long keptBelowSnapshotBytes() {
        return Math.max(1, logBytes / 8);
    }

    /** Applied command bytes held by the node's logs now (entries after the groups' last snapshots). */
    public long logHeld() {
        return logHeld.get();
    }

    void register(LogHolder holder) {
        holders.add(holder);
    }

    void unregister(LogHolder holder) {
        holders.remove(holder);
    }

    /** A group applied {@code bytes} more: over the bound, the group holding most is snapshotted. */
    void logged(long bytes) {
        if (logHeld.addAndGet(bytes) < logBytes) {
            return;
        }
        LogHolder largest = null;
        long most = 0;
        for (LogHolder h : holders) {
            long held = h.held();
            if (held > most) {
                most = held;
                largest = h;
            }
        }
        if (largest != null) {
            largest.compact();
        }
    }

    /** A group's snapshot dropped {@code bytes} it had reported. */
    void released(long bytes) {
        logHeld.addAndGet(-bytes);
    }
}
