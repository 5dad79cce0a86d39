package flymq.broker.replication;

import flymq.broker.produce.ProducerBatch;
import flymq.raft.Committed;
import flymq.raft.RaftGroup;
import flymq.storage.Record;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The partition leader's forecast of the offsets its proposals will get, so that {@code acks=leader} and
 * {@code acks=none} can answer with an offset before the batch is committed.
 *
 * <p>Proposals are handed to Raft under this object's lock, so the order in which offsets are promised is the
 * order of the entries in the leader's log. The forecast is known only while nothing went wrong: it starts unknown,
 * becomes known when the last proposal made completes (its base offset plus its size), and is forgotten when the
 * term changes, when a proposal fails, or when a promised offset was not the one the batch got. While unknown,
 * proposals promise nothing (expected base -1) and their producers wait for the commit, whatever their acks.
 * A wrong promise cannot put a record at an offset other than the one answered: the state machine rejects a batch
 * whose promised base is not where the log stands ({@link PartitionStateMachine.OffsetMismatch}), on every
 * replica alike. Such a batch was answered and is lost, which is what {@code acks=leader} allows.
 *
 * <p>Flow control: a producer that does not wait for commits could queue batches faster than the followers take
 * them, so at most {@value #MAX_UNCOMMITTED} proposals per partition may be uncommitted; the next producer waits
 * for a slot (up to the given timeout) instead of filling the leader's memory or hitting MicroRaft's BUSY limit.
 */
final class OffsetSequencer {
    static final int MAX_UNCOMMITTED = 256;

    private final Semaphore window = new Semaphore(MAX_UNCOMMITTED);

    /** A proposal handed to Raft: the offset promised for it (-1: none) and its commit. */
    record Proposal(long promisedBase, CompletableFuture<Committed<Long>> commit) {
    }

    private long next = -1;
    private int term = -1;
    private long issued;

    /**
     * Proposes {@code batch}; promises an offset only when {@code promise} is set and the forecast is known.
     *
     * @return empty when no slot for another uncommitted proposal freed up within {@code waitMs}
     */
    Optional<Proposal> propose(RaftGroup<Long> group, List<Record> batch, boolean promise, long waitMs)
            throws InterruptedException {
        return propose(group, batch, promise, waitMs, ProducerBatch.NONE);
    }

    /**
     * Proposes an idempotent producer's batch ({@code producer} identified) or any other. An identified batch is
     * never promised an offset and makes the forecast unknown: it may turn out to be a duplicate that the state
     * machine does not append, so the offsets after it cannot be foreseen until a later proposal completes.
     */
    Optional<Proposal> propose(RaftGroup<Long> group, List<Record> batch, boolean promise, long waitMs,
                               ProducerBatch producer) throws InterruptedException {
        return inSlot(waitMs, () -> proposeInOrder(group, batch, promise, producer));
    }

    /**
     * Runs {@code proposal} once one of the partition's slots for uncommitted proposals is free (within
     * {@code waitMs}, else empty); the slot goes back when the proposal throws, otherwise when its commit completes
     * (the proposal's own callback releases it).
     */
    private <T> Optional<T> inSlot(long waitMs, java.util.function.Supplier<T> proposal) throws InterruptedException {
        if (!window.tryAcquire(waitMs, TimeUnit.MILLISECONDS)) {
            return Optional.empty();
        }
        try {
            return Optional.of(proposal.get());
        } catch (RuntimeException e) {
            window.release();
            throw e;
        }
    }

    /**
     * Proposes a command whose number of appended records only its commit tells (a delayed-delivery RELEASE, which
     * leaves out what was released or cancelled before): promised nothing, and the forecast is unknown until a later
     * proposal completes.
     *
     * @return empty when no slot for another uncommitted proposal freed up within {@code waitMs}
     */
    Optional<CompletableFuture<Committed<Long>>> proposeUnforeseen(RaftGroup<Long> group, byte[] command,
                                                                    long waitMs) throws InterruptedException {
        return inSlot(waitMs, () -> {
            synchronized (this) {
                int t = group.term();
                if (t != term) {
                    term = t;
                }
                next = -1;
                long seq = ++issued;
                CompletableFuture<Committed<Long>> commit = group.replicate(command);
                commit.whenComplete((c, error) -> {
                    window.release();
                    completed(seq, 0, -1, true, c, error);
                });
                return commit;
            }
        });
    }

    /**
     * Proposes a command that appends no record (a delayed-delivery SCHEDULE or CANCEL): the forecast stays as it
     * is, but the command takes one of the partition's slots for uncommitted proposals, so a burst of them waits
     * here instead of overrunning MicroRaft's limit (BUSY).
     *
     * @return empty when no slot freed up within {@code waitMs}
     */
    Optional<CompletableFuture<Committed<Long>>> proposeWithoutRecords(RaftGroup<Long> group, byte[] command,
                                                                        long waitMs) throws InterruptedException {
        return inSlot(waitMs, () -> {
            CompletableFuture<Committed<Long>> commit = group.replicate(command);
            commit.whenComplete((c, error) -> window.release());
            return commit;
        });
    }

    private synchronized Proposal proposeInOrder(RaftGroup<Long> group, List<Record> batch, boolean promise,
                                                 ProducerBatch producer) {
        int t = group.term();
        if (t != term) {
            term = t;
            next = -1;
        }
        boolean identified = producer.identified();
        long promised = promise && !identified && next >= 0 ? next : -1;
        // encoded before the forecast moves: a batch that cannot be encoded (a header name too long for the stored
        // layout) is refused without leaving the next batches promised offsets that no record will take
        byte[] command = PartitionStateMachine.encodeStored(promised, batch, producer);
        if (identified) {
            next = -1;
        } else if (next >= 0) {
            next += batch.size();
        }
        long seq = ++issued;
        CompletableFuture<Committed<Long>> commit = group.replicate(command);
        int count = batch.size();
        commit.whenComplete((c, error) -> {
            window.release();
            completed(seq, count, promised, identified, c, error);
        });
        return new Proposal(promised, commit);
    }

    private synchronized void completed(long seq, int count, long promised, boolean identified, Committed<Long> c,
                                        Throwable error) {
        if (error != null || (promised >= 0 && c.result() != promised)) {
            next = -1;
        } else if (next < 0 && seq == issued && !identified) {
            next = c.result() + count;
        }
    }

    /** The forecast (-1 while unknown), for tests and status. */
    synchronized long forecast() {
        return next;
    }
}
