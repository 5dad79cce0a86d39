package flymq.raft.patch;

import io.microraft.RaftNode;
import io.microraft.impl.RaftNodeImpl;
import io.microraft.impl.log.RaftLog;
import io.microraft.model.log.LogEntry;

import java.lang.reflect.Field;

/**
 * Bounds in bytes the entries MicroRaft 0.7 keeps in memory below a snapshot.
 *
 * <p>After a snapshot MicroRaft keeps up to {@code maxLogEntryCountToKeepAfterSnapshot} entries below it, a tenth of
 * {@code commitCountToTakeSnapshot} (1 000 by default), so that followers close behind can still be sent entries
 * rather than the snapshot: a follower keeps them all, a leader as far back as the slowest such follower. That
 * count knows nothing of entry sizes: with produced batches of ~100 KiB it is 100 MiB per group, and the snapshots
 * taken for {@code RaftMemory.logBytes()} freed nothing ("truncated 0 entries") until a log passed 1 000 entries;
 * a 3-node cluster under unthrottled produce still ran out of its 256 MiB heap with every other bound in place.
 *
 * <p>So before MicroRaft computes what to truncate (on the Raft thread, while it takes the snapshot: our state
 * machine's {@code takeSnapshot} runs first), this sets that field to the number of entries at and below the
 * snapshot index whose commands fit in {@code RaftMemory.keptBelowSnapshotBytes()}, at least one and at most
 * MicroRaft's own count (small entries keep MicroRaft's behaviour exactly). MicroRaft then
 * truncates store and memory itself, by its own rules. The count never reaches below the oldest entry still held,
 * so the truncation point never moves back (MicroRaft would move the log's head back onto emptied slots). Entries
 * at or below a snapshot are in the snapshot: a follower further behind is sent the snapshot instead, as MicroRaft
 * does past its own window. The field is final in MicroRaft but read on every snapshot, not folded; if it cannot be
 * set (another MicroRaft version) the trim disables itself with a warning and MicroRaft's count stands.
 */
public final class SnapshotTailTrim {
    private static final System.Logger LOG = System.getLogger(SnapshotTailTrim.class.getName());
    private static final Field KEEP_COUNT = find();

    private SnapshotTailTrim() {
    }

    /** Runs on {@code raftNode}'s Raft thread while it takes a snapshot at {@code snapshotIndex}. */
    public static void beforeTruncation(RaftNode raftNode, long snapshotIndex, long keepBytes,
                                        int commitCountToTakeSnapshot) {
        if (KEEP_COUNT == null || !(raftNode instanceof RaftNodeImpl node) || node.state() == null) {
            return;
        }
        RaftLog log = node.state().log();
        int most = RaftLog.getMaxLogEntryCountToKeepAfterSnapshot(commitCountToTakeSnapshot); // MicroRaft's own
        int count = 0;
        long kept = 0;
        for (long i = snapshotIndex; i >= 1 && count < most && log.containsLogEntry(i); i--) {
            kept += commandBytes(log.getLogEntry(i));
            if (kept > keepBytes && count > 0) {
                break;
            }
            count++;
        }
        try {
            KEEP_COUNT.setInt(node, Math.max(1, count));
        } catch (IllegalAccessException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, node.localEndpointStr() + " cannot bound the entries kept below "
                    + "snapshot " + snapshotIndex + ": " + e);
        }
    }

    /** The bytes an entry's command holds (other operations are a few fields and are not counted). */
    public static long commandBytes(LogEntry entry) {
        return entry.getOperation() instanceof byte[] command ? command.length : 0;
    }

    /** Command bytes of the entries {@code raftNode} holds in memory; call on its Raft thread (tests). */
    public static long commandBytesHeld(RaftNode raftNode) {
        RaftLog log = ((RaftNodeImpl) raftNode).state().log();
        long sum = 0;
        for (long i = log.lastLogOrSnapshotIndex(); i >= 1 && log.containsLogEntry(i); i--) {
            sum += commandBytes(log.getLogEntry(i));
        }
        return sum;
    }

    private static Field find() {
        try {
            Field f = RaftNodeImpl.class.getDeclaredField("maxLogEntryCountToKeepAfterSnapshot");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot install the MicroRaft snapshot tail trim (" + e
                    + "); up to a tenth of commitCountToTakeSnapshot entries stay in memory below each snapshot");
            return null;
        }
    }
}
