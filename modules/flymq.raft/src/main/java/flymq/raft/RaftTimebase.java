package flymq.raft;

import io.microraft.executor.RaftNodeExecutor;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Random;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The clock and the single thread a MicroRaft node runs on, with MicroRaft's time scaled so that one of its
 * seconds lasts one heartbeat period.
 *
 * <p>Why: MicroRaft 0.7 takes the heartbeat period and the leader heartbeat timeout in whole seconds, so with real
 * time a dead leader is noticed after at least one second and replaced after one to two. MicroRaft reads time only
 * through the {@link Clock} and schedules only through the {@link RaftNodeExecutor} it is given (both are public
 * extension points), so running both {@code scale} times faster makes every MicroRaft duration, including its
 * internal constants such as the 100 ms election jitter, {@code scale} times shorter, uniformly and consistently.
 * {@link RaftGroup} converts the wall-clock settings of {@link RaftGroupConfig} into that timebase.
 *
 * <p>One MicroRaft constant must not shrink: the election jitter, drawn as {@code random.nextInt(100)} MicroRaft
 * milliseconds from the {@link Random} it is given. Divided by {@code scale} it would be a few wall-clock
 * milliseconds, too little to break split votes, and two candidates could keep splitting the vote for seconds
 * (seen in the fault-injection test). {@link #electionJitter} stretches that draw to a whole election timeout, so
 * a candidate retries after one to two election timeouts, the randomisation the Raft paper prescribes.
 */
final class RaftTimebase {

    private static final System.Logger LOG = System.getLogger(RaftTimebase.class.getName());

    /** The bound MicroRaft 0.7 passes to {@code Random.nextInt} for election jitter (RaftNodeImpl). */
    static final int MICRORAFT_JITTER_BOUND = 100;

    private final double scale;
    private final long originNanos = System.nanoTime();
    private final long originMillis = System.currentTimeMillis();
    private final Clock clock = new ScaledClock();
    private final Executor executor;

    RaftTimebase(double scale, String threadName) {
        this.scale = scale;
        this.executor = new Executor(threadName);
    }

    /** MicroRaft milliseconds that pass during {@code wallMillis} real milliseconds. */
    long toRaftMillis(long wallMillis) {
        return Math.round(wallMillis * scale);
    }

    /**
     * The {@link Random} for {@code RaftNodeBuilder.setRandom}: a draw below {@code 100} (MicroRaft's jitter bound)
     * is spread over {@code electionTimeoutWallMillis} of wall-clock time; any other bound draws normally.
     */
    Random electionJitter(long electionTimeoutWallMillis) {
        long spread = Math.max(1, toRaftMillis(electionTimeoutWallMillis));
        return new Random() {
            @Override
            public int nextInt(int bound) {
                if (bound == MICRORAFT_JITTER_BOUND) {
                    return (int) ThreadLocalRandom.current().nextLong(spread);
                }
                return super.nextInt(bound);
            }
        };
    }

    Clock clock() {
        return clock;
    }

    RaftNodeExecutor executor() {
        return executor;
    }

    void shutdown() {
        executor.pool.shutdownNow();
    }

    private final class ScaledClock extends Clock {
        @Override
        public long millis() {
            return originMillis + (long) ((System.nanoTime() - originNanos) * scale / 1_000_000d);
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private final class Executor implements RaftNodeExecutor {
        final ScheduledThreadPoolExecutor pool;

        Executor(String threadName) {
            pool = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon().name(threadName)
                    .uncaughtExceptionHandler(FatalErrors.HANDLER).unstarted(r));
            pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            pool.setRemoveOnCancelPolicy(true);
        }

        @Override
        public void execute(Runnable task) {
            submit(task);
        }

        @Override
        public void submit(Runnable task) {
            try {
                pool.execute(guard(task));
            } catch (RejectedExecutionException e) {
                // the node is terminating; MicroRaft's late tasks have nothing left to do
            }
        }

        @Override
        public void schedule(Runnable task, long delay, TimeUnit unit) {
            long wallNanos = (long) (unit.toNanos(delay) / scale);
            try {
                pool.schedule(guard(task), wallNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // the node is terminating
            }
        }

        private Runnable guard(Runnable task) {
            return () -> {
                try {
                    task.run();
                } catch (Throwable t) {
                    FatalErrors.haltIfFatal(Thread.currentThread().getName(), t);
                    LOG.log(System.Logger.Level.ERROR, "Raft task failed on " + Thread.currentThread().getName(), t);
                }
            };
        }
    }
}
