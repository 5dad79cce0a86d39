package flymq.raft;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one Raft member's tasks one at a time, in submission order, on whichever thread of a shared pool is free:
 * the single-threaded contract of MicroRaft's {@code RaftNodeExecutor} (tasks run serially, each one sees what the
 * previous one wrote) without a thread per member.
 *
 * <p>How: tasks go into a lock-free queue; the submitter that finds no drain scheduled ({@code running} false to
 * true) hands one drain to the pool. The drain runs at most {@value #BATCH} tasks, then yields the worker (hands a
 * new drain to the pool) so a busy member cannot starve the others queued behind it. Happens-before between two
 * tasks holds whether they run on one worker or two: the queue's insertion happens-before the removal, and a drain
 * ends by writing {@code running} (volatile) that the next drain has read before it starts. After clearing
 * {@code running} the drain looks at the queue once more, so a task added between its last poll and the clear is
 * never stranded.
 */
final class SerialExecutor implements Executor {
    static final int BATCH = 64;

    private final Executor pool;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean shutdown;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    /** Queues {@code task}; never runs it on the caller's thread. Dropped after {@link #shutdown()}. */
    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            return;
        }
        tasks.add(task);
        schedule();
    }

    /** Drops queued tasks and every later one (the member is terminating; its late tasks have nothing to do). */
    void shutdown() {
        shutdown = true;
        tasks.clear();
    }

    boolean isShutdown() {
        return shutdown;
    }

    private void schedule() {
        if (running.compareAndSet(false, true)) {
            try {
                pool.execute(this::drain);
            } catch (RejectedExecutionException e) {
                running.set(false); // the pool is shutting down (a test's own pool); nothing runs any more
            }
        }
    }

    private void drain() {
        for (int i = 0; i < BATCH; i++) {
            Runnable task = tasks.poll();
            if (task == null) {
                break;
            }
            if (shutdown) {
                tasks.clear();
                break;
            }
            task.run();
        }
        running.set(false);
        if (!tasks.isEmpty()) {
            schedule();
        }
    }
}
