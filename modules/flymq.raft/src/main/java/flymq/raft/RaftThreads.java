package flymq.raft;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads every Raft group member of the process runs on: a bounded pool of workers and one timer thread.
 *
 * <p>Why shared: a member used to own a thread (and a timer queue), so a node holding a replica of 3,000 partitions
 * ran 3,000 threads, each with its stack, each waking every heartbeat. MicroRaft only requires that one node's tasks
 * run one at a time with happens-before between them ({@code RaftNodeExecutor}); {@link SerialExecutor} gives
 * each member exactly that on top of this pool, so the thread count no longer grows with the number of groups.
 *
 * <p>Why {@value #DEFAULT_WORKERS} workers and not one per core: a Raft task may block, on an fsync of the Raft
 * log ({@code FileRaftStore.flush}) or on a state machine that writes a partition log or copies records from the
 * leader after a snapshot. A blocked worker only delays the groups queued behind it, never a group whose tasks
 * run elsewhere, and no Raft task waits for another group's task (groups are started and stopped off the pool),
 * so a few blocked workers cannot deadlock the pool. {@code -Dflymq.raft.threads=N} overrides the count.
 *
 * <p>The timer thread only hands due tasks to their member's serial queue; it never runs Raft code itself.
 */
public final class RaftThreads {

    static final int DEFAULT_WORKERS = 16;
    private static final RaftThreads SHARED = new RaftThreads(Integer.getInteger("flymq.raft.threads",
            DEFAULT_WORKERS), "flymq-raft");

    private final ThreadPoolExecutor workers;
    private final ScheduledThreadPoolExecutor timer;

    RaftThreads(int workerCount, String namePrefix) {
        if (workerCount < 1) {
            throw new IllegalArgumentException("Raft worker threads must be at least 1, got " + workerCount);
        }
        AtomicInteger n = new AtomicInteger();
        workers = new ThreadPoolExecutor(workerCount, workerCount, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> Thread.ofPlatform().daemon()
                .name(namePrefix + "-worker-" + n.incrementAndGet()).uncaughtExceptionHandler(FatalErrors.HANDLER)
                .unstarted(r));
        timer = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon().name(namePrefix + "-timer")
                .uncaughtExceptionHandler(FatalErrors.HANDLER).unstarted(r));
        timer.setRemoveOnCancelPolicy(true);
    }

    /** The pool of the process; groups run on it unless a test gives them their own. */
    public static RaftThreads shared() {
        return SHARED;
    }

    ExecutorService workers() {
        return workers;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    int workerCount() {
        return workers.getMaximumPoolSize();
    }

    /** Stops a pool made for a test; the shared pool lives as long as the process. */
    void shutdown() {
        if (this != SHARED) {
            workers.shutdownNow();
            timer.shutdownNow();
        }
    }
}
