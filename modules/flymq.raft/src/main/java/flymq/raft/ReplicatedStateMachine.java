package flymq.raft;

import java.util.List;
import java.util.function.Consumer;

/**
 * What the broker replicates: a deterministic state machine fed with committed commands in log order.
 *
 * <p>Every member applies the same commands in the same order, so {@link #apply} must depend only on the current
 * state and the command (no clocks, no randomness, no I/O whose outcome can differ between nodes). All three
 * methods run on the group's single Raft thread; they must not block on other Raft calls of the same group.
 *
 * @param <R> what {@link #apply} returns to the member that proposed the command (never sent over the wire)
 */
public interface ReplicatedStateMachine<R> {

    /**
     * Applies one committed command. A {@link RuntimeException} thrown here is treated as the command's
     * deterministic outcome: the proposer's {@link RaftGroup#replicate} future fails with it, and every other
     * member must reject the same command the same way.
     */
    R apply(long commitIndex, byte[] command);

    /**
     * Writes the state as of {@code commitIndex} as one or more chunks. Chunks travel separately to lagging
     * members and are stored separately, so keep each to a few MiB. Emitting nothing stores one empty chunk.
     */
    void takeSnapshot(long commitIndex, Consumer<byte[]> chunks);

    /** Replaces the whole state with the snapshot taken at {@code commitIndex}, chunks in the order emitted. */
    void installSnapshot(long commitIndex, List<byte[]> chunks);
}
