package flymq.raft;

import flymq.raft.patch.PeriodicTasks;
import io.microraft.executor.RaftNodeExecutor;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Random;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The clock and the executor a MicroRaft node runs on (one at a time, on the shared {@link RaftThreads}), with MicroRaft's time scaled so that one of its
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
 *
 * <p>After {@value #FREE_ELECTION_DRAWS} draws without a leader (a pre-vote, a vote and one retry: a failover with
 * one split vote) each further draw doubles the window, up to {@value #MAX_BACKOFF_DOUBLINGS} times (randomised
 * exponential backoff); seeing a leader resets it. Why: when votes wait behind fsyncs (hundreds of new groups
 * electing at once on one disk), a vote round takes longer than the election timeout, and a candidate that retries
 * at once starts a new term, whose votes need more fsyncs, so elections fed on each other (terms above 15 for new
 * partitions, the metadata group losing its leader, 2026-12-03). Backing off lets the slow round finish.
 */
final class RaftTimebase {

    private static final System.Logger LOG = System.getLogger(RaftTimebase.class.getName());

    /** The bound MicroRaft 0.7 passes to {@code Random.nextInt} for election jitter (RaftNodeImpl). */
    static final int MICRORAFT_JITTER_BOUND = 100;
    /** Election timeouts drawn without a leader before the window starts to double. */
    static final int FREE_ELECTION_DRAWS = 3;
    /** The window grows to at most 2^this election timeouts. */
    static final int MAX_BACKOFF_DOUBLINGS = 3;

    private final double scale;
    private final long originNanos = System.nanoTime();
    private final long originMillis = System.currentTimeMillis();
    private final Clock clock = new ScaledClock();
    private final RaftThreads threads;
    private final String name;
    private final Executor executor;
    /** Election timeouts drawn since a leader was last seen (written on the member's Raft thread). */
    private volatile int electionDraws;

    /**
     * @param threads the shared workers and timer the member runs on
     * @param name    the member, for log lines (its tasks no longer have a thread named after it)
     */
    RaftTimebase(double scale, RaftThreads threads, String name) {
        this.scale = scale;
        this.threads = threads;
        this.name = name;
        this.executor = new Executor();
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
                    int draws = electionDraws;
                    electionDraws = draws + 1;
                    return (int) ThreadLocalRandom.current().nextLong(spread << backoffDoublings(draws));
                }
                return super.nextInt(bound);
            }
        };
    }

    /** How many times the jitter window is doubled for the draw after {@code draws} draws without a leader. */
    static int backoffDoublings(int draws) {
        return Math.min(Math.max(0, draws - FREE_ELECTION_DRAWS + 1), MAX_BACKOFF_DOUBLINGS);
    }

    /** A leader was seen: the next election starts with the normal window again. */
    void leaderKnown() {
        if (electionDraws != 0) {
            electionDraws = 0;
        }
    }

    Clock clock() {
        return clock;
    }

    Executor executor() {
        return executor;
    }

    void shutdown() {
        executor.shutdown();
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

    /**
     * The member's {@link RaftNodeExecutor}: its tasks run one at a time on the shared {@link RaftThreads} workers
     * ({@link SerialExecutor}), its timers on the shared timer thread, in scaled time.
     *
     * <p>While the member hibernates ({@link Quiescence}), the periodic tasks (MicroRaft's heartbeat and report
     * tasks, our repairs and quiescence check, {@link PeriodicTasks}) are parked when they come due instead of run:
     * they reschedule themselves after each run, so parking one stops its cycle and the member costs no timer and no
     * wake-up at all. {@link #wake()} schedules every parked task again with the delay it was scheduled with. Both
     * the flag and the parked list are touched only on the member's Raft thread.
     */
    final class Executor implements RaftNodeExecutor {
        private final SerialExecutor serial;
        private final java.util.List<Parked> parked = new java.util.ArrayList<>();
        private boolean hibernating;

        Executor() {
            this.serial = new SerialExecutor(threads.workers());
        }

        @Override
        public void execute(Runnable task) {
            serial.execute(guard(task));
        }

        @Override
        public void submit(Runnable task) {
            serial.execute(guard(task));
        }

        @Override
        public void schedule(Runnable task, long delay, TimeUnit unit) {
            if (serial.isShutdown()) {
                return; // the node is terminating; MicroRaft's late tasks have nothing left to do
            }
            long wallNanos = (long) (unit.toNanos(delay) / scale);
            Runnable due = guard(() -> {
                if (hibernating && (task instanceof Quiescence.Tick || PeriodicTasks.isPeriodic(task))) {
                    parked.add(new Parked(task, delay, unit));
                } else {
                    task.run();
                }
            });
            try {
                threads.timer().schedule(() -> serial.execute(due), wallNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // a test's own pool is shutting down
            }
        }

        /** Raft thread only: from now on periodic tasks are parked when due. */
        void hibernate() {
            hibernating = true;
        }

        boolean hibernating() {
            return hibernating;
        }

        /** Raft thread only: periodic tasks run again, each after the delay it was last scheduled with. */
        void wake() {
            if (!hibernating) {
                return;
            }
            hibernating = false;
            java.util.List<Parked> due = new java.util.ArrayList<>(parked);
            parked.clear();
            for (Parked p : due) {
                schedule(p.task(), p.delay(), p.unit());
            }
        }

        int parkedCount() {
            return parked.size();
        }

        void shutdown() {
            serial.shutdown();
        }

        private Runnable guard(Runnable task) {
            return () -> {
                try {
                    task.run();
                } catch (Throwable t) {
                    FatalErrors.haltIfFatal(Thread.currentThread().getName(), t);
                    LOG.log(System.Logger.Level.ERROR, "Raft task of " + name + " failed on "
                            + Thread.currentThread().getName(), t);
                }
            };
        }
    }

    private record Parked(Runnable task, long delay, TimeUnit unit) {
    }
}
