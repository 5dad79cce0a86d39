package flymq.raft;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SerialExecutorTest {

    /** A pool the test drives by hand: nothing runs until {@link #runOne()}. */
    private static final class ManualPool implements java.util.concurrent.Executor {
        final Deque<Runnable> queued = new ArrayDeque<>();

        @Override
        public void execute(Runnable r) {
            queued.add(r);
        }

        void runOne() {
            queued.poll().run();
        }
    }

    @Test
    void tasksRunInSubmissionOrderThroughOneDrainAtATime() {
        ManualPool pool = new ManualPool();
        SerialExecutor serial = new SerialExecutor(pool);
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            serial.execute(() -> ran.add(n));
        }
        assertEquals(1, pool.queued.size(), "five tasks, one drain handed to the pool");
        assertEquals(List.of(), ran, "never run on the submitting thread");
        pool.runOne();
        assertEquals(List.of(0, 1, 2, 3, 4), ran);
        assertEquals(0, pool.queued.size());
    }

    @Test
    void aTaskSubmittedFromARunningTaskRunsAfterItNotInsideIt() {
        ManualPool pool = new ManualPool();
        SerialExecutor serial = new SerialExecutor(pool);
        List<String> ran = new ArrayList<>();
        serial.execute(() -> {
            serial.execute(() -> ran.add("inner"));
            ran.add("outer");
        });
        pool.runOne();
        assertEquals(List.of("outer", "inner"), ran);
    }

    @Test
    void aBusyMemberYieldsTheWorkerAfterABatch() {
        ManualPool pool = new ManualPool();
        SerialExecutor serial = new SerialExecutor(pool);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < SerialExecutor.BATCH + 10; i++) {
            serial.execute(ran::incrementAndGet);
        }
        pool.runOne();
        assertEquals(SerialExecutor.BATCH, ran.get());
        assertEquals(1, pool.queued.size(), "the rest is a new drain behind other members' drains");
        pool.runOne();
        assertEquals(SerialExecutor.BATCH + 10, ran.get());
    }

    @Test
    void shutdownDropsQueuedAndLaterTasks() {
        ManualPool pool = new ManualPool();
        SerialExecutor serial = new SerialExecutor(pool);
        AtomicInteger ran = new AtomicInteger();
        serial.execute(ran::incrementAndGet);
        serial.shutdown();
        serial.execute(ran::incrementAndGet);
        pool.runOne();
        assertEquals(0, ran.get());
    }

    /**
     * Many members on a small real pool, fed from several threads at once: a member's tasks never overlap and run
     * in each submitter's order, and every task runs (none stranded between a drain's last poll and its end).
     */
    @Test
    void membersOnASharedPoolNeverRunTwoTasksAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            int members = 50;
            int submitters = 4;
            int perSubmitter = 500;
            List<SerialExecutor> serials = new ArrayList<>();
            AtomicInteger[] running = new AtomicInteger[members];
            AtomicInteger overlaps = new AtomicInteger();
            int[][] lastSeen = new int[members][submitters];
            AtomicInteger outOfOrder = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(members * submitters * perSubmitter);
            for (int m = 0; m < members; m++) {
                serials.add(new SerialExecutor(pool));
                running[m] = new AtomicInteger();
            }
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < submitters; s++) {
                int submitter = s;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 1; i <= perSubmitter; i++) {
                        for (int m = 0; m < members; m++) {
                            int member = m;
                            int seq = i;
                            serials.get(m).execute(() -> {
                                if (running[member].incrementAndGet() != 1) {
                                    overlaps.incrementAndGet();
                                }
                                // plain fields: only safe because the executor orders the tasks of one member
                                if (lastSeen[member][submitter] != seq - 1) {
                                    outOfOrder.incrementAndGet();
                                }
                                lastSeen[member][submitter] = seq;
                                running[member].decrementAndGet();
                                done.countDown();
                            });
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(done.await(30, TimeUnit.SECONDS), "tasks left: " + done.getCount());
            assertEquals(0, overlaps.get(), "tasks of one member ran at the same time");
            assertEquals(0, outOfOrder.get(), "tasks of one member ran out of submission order");
        } finally {
            pool.shutdownNow();
        }
    }
}
