package flymq.raft;

import io.microraft.impl.RaftNodeImpl;
import io.microraft.impl.log.RaftLog;
import io.microraft.persistence.RaftStore;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Bounds in bytes the entries MicroRaft 0.7 keeps in memory below a snapshot.
 *
 * <p>After a snapshot MicroRaft keeps up to a tenth of {@code commitCountToTakeSnapshot} entries below it (1 000 by
 * default) so that followers close behind can still be sent entries rather than the snapshot; on a follower it
 * keeps them all the same, and on a leader for as far back as the slowest such follower. That count knows nothing
 * of entry sizes: with produced batches of ~100 KiB it is 100 MiB per group, and the snapshots taken for
 * {@link RaftMemory#logBytes()} would free nothing ("truncated 0 entries") until the log passed 1 000 entries. A
 * 3-node cluster under unthrottled produce ran out of its 256 MiB heap that way with every bound above in place.
 *
 * <p>After each snapshot, on the Raft thread, this keeps only the newest entries at or below the snapshot index
 * whose commands add up to at most {@link RaftMemory#keptBelowSnapshotBytes()}, and truncates the rest from the
 * store and from MicroRaft's in-memory log (its private {@code RaftLog.truncateLogEntriesUntil}, the step its own
 * {@code setSnapshot} takes). Entries at or below a snapshot are in the snapshot, so nothing Raft needs is lost: a
 * follower further behind is sent the snapshot instead, exactly as MicroRaft does past its own window. If the
 * method is not found (another MicroRaft version) the trim disables itself with a warning and MicroRaft's count
 * rule stands.
 */
final class SnapshotTailTrim {
    private static final System.Logger LOG = System.getLogger(SnapshotTailTrim.class.getName());
    private static final MethodHandle TRUNCATE_UNTIL = find();

    private SnapshotTailTrim() {
    }

    /** Runs on {@code node}'s Raft thread after a snapshot was taken. */
    static void trim(RaftNodeImpl node, RaftStore store, long keepBytes) {
        if (TRUNCATE_UNTIL == null || node.state() == null) {
            return;
        }
        RaftLog log = node.state().log();
        long index = log.snapshotIndex();
        long kept = 0;
        while (index >= 1 && log.containsLogEntry(index)) {
            kept += RaftGroup.commandBytes(log.getLogEntry(index));
            if (kept > keepBytes) {
                break;
            }
            index--;
        }
        if (index < 1 || !log.containsLogEntry(index)) {
            return; // what is below the snapshot fits in the window
        }
        try {
            store.truncateLogEntriesUntil(index);
            TRUNCATE_UNTIL.invoke(log, index);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, node.localEndpointStr() + " cannot truncate the log up to " + index
                    + " below snapshot " + log.snapshotIndex() + ": " + e);
        } catch (Throwable t) {
            FatalErrors.haltIfFatal(Thread.currentThread().getName(), t);
            throw new IllegalStateException(node.localEndpointStr() + " truncating the log up to " + index, t);
        }
    }

    private static MethodHandle find() {
        try {
            return MethodHandles.privateLookupIn(RaftLog.class, MethodHandles.lookup())
                    .findVirtual(RaftLog.class, "truncateLogEntriesUntil", MethodType.methodType(int.class, long.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot install the MicroRaft snapshot tail trim (" + e
                    + "); up to a tenth of commitCountToTakeSnapshot entries stay in memory below each snapshot");
            return null;
        }
    }
}
