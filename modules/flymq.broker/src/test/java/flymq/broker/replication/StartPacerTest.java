package flymq.broker.replication;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pacing of new partition groups ({@link StartPacer}). A frozen clock means time can never release a waiting
 * start: only a signal (or close) can, so a pacer that did not wake would hang these tests into their timeouts.
 * The settled checks tell the test when the waiter has looked, so it signals only once the waiter would otherwise
 * sleep; no test sleeps.
 */
class StartPacerTest {

    private static final long HOUR = TimeUnit.HOURS.toNanos(1);
    private static final long FROZEN = 1_000;

    private final ExecutorService waiter = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("pacer-waiter").daemon(true).factory());

    @AfterEach
    void stop() {
        waiter.shutdownNow();
    }

    /** A group's settled flag whose every check by the waiter is counted, so a test can wait for the next one. */
    private static final class Group implements BooleanSupplier {
        final AtomicBoolean settled = new AtomicBoolean();
        final Semaphore checks = new Semaphore(0);

        @Override
        public boolean getAsBoolean() {
            boolean now = settled.get();
            checks.release();
            return now;
        }

        void awaitCheck() throws InterruptedException {
            assertTrue(checks.tryAcquire(10, TimeUnit.SECONDS), "the waiter did not check the group");
        }
    }

    private Future<Boolean> awaitRoom(StartPacer pacer, int count) {
        // the waiter runs on its own thread, as on the lifecycle thread: started() and awaitRoom() on one thread
        return waiter.submit(() -> pacer.awaitRoom(count));
    }

    @Test
    void aStartWaitsWhileTheGroupsSettleAndGoesOnWhenOneHibernates() throws Exception {
        StartPacer pacer = new StartPacer(2, HOUR, HOUR, () -> FROZEN);
        Group a = new Group();
        Group b = new Group();
        waiter.submit(() -> {
            pacer.started(a);
            pacer.started(b);
        }).get();

        Future<Boolean> room = awaitRoom(pacer, 1);
        a.awaitCheck();
        b.awaitCheck();
        // a signal while nothing settled: the waiter looks again and waits on
        pacer.changed();
        a.awaitCheck();
        b.awaitCheck();
        assertFalse(room.isDone(), "went ahead with 2 groups settling");

        a.settled.set(true);
        pacer.changed(); // the group's Raft thread: it began to hibernate
        assertTrue(room.get(10, TimeUnit.SECONDS), "room once a group hibernated");
        assertEquals(1, waiter.submit(pacer::settling).get());
    }

    @Test
    void aSignalBetweenTheCheckAndTheWaitIsNotLost() throws Exception {
        StartPacer pacer = new StartPacer(1, HOUR, HOUR, () -> FROZEN);
        // the group settles and signals during the waiter's own check, before it could begin to wait
        BooleanSupplier settlesWhileChecked = new BooleanSupplier() {
            private boolean checked;

            @Override
            public boolean getAsBoolean() {
                if (checked) {
                    return true;
                }
                checked = true;
                pacer.changed();
                return false;
            }
        };
        waiter.submit(() -> pacer.started(settlesWhileChecked)).get();
        assertTrue(awaitRoom(pacer, 1).get(10, TimeUnit.SECONDS));
    }

    @Test
    void closeReleasesAWaitingStart() throws Exception {
        StartPacer pacer = new StartPacer(1, HOUR, HOUR, () -> FROZEN);
        Group a = new Group();
        waiter.submit(() -> pacer.started(a)).get();
        Future<Boolean> room = awaitRoom(pacer, 1);
        a.awaitCheck();
        pacer.close();
        assertFalse(room.get(10, TimeUnit.SECONDS), "no room: released by close");
        assertFalse(awaitRoom(pacer, 1).get(10, TimeUnit.SECONDS), "a closed pacer never waits");
    }

    @Test
    void aGroupStopsCountingAtItsExpiryWithoutASignal() throws Exception {
        long counts = TimeUnit.MILLISECONDS.toNanos(200);
        StartPacer pacer = new StartPacer(1, counts, HOUR, System::nanoTime);
        Group a = new Group();
        long started = waiter.submit(() -> {
            long t = System.nanoTime();
            pacer.started(a);
            return t;
        }).get();
        // nothing signals: only the wait timed to the group's expiry can end it before the hour
        assertTrue(awaitRoom(pacer, 1).get(30, TimeUnit.SECONDS), "room once the group expired");
        assertTrue(System.nanoTime() - started >= counts, "went ahead before the group expired");
    }

    @Test
    void aStartGoesAheadAfterTheLongestWait() throws Exception {
        long wait = TimeUnit.MILLISECONDS.toNanos(200);
        StartPacer pacer = new StartPacer(1, HOUR, wait, System::nanoTime);
        waiter.submit(() -> pacer.started(() -> false)).get();
        long begun = System.nanoTime();
        assertFalse(awaitRoom(pacer, 1).get(30, TimeUnit.SECONDS), "no room: gave up waiting");
        assertTrue(System.nanoTime() - begun >= wait, "gave up before the longest wait");
    }

    @Test
    void roomAtOnceWhenFewGroupsSettle() throws Exception {
        StartPacer pacer = new StartPacer(3, HOUR, HOUR, () -> FROZEN);
        Group a = new Group();
        waiter.submit(() -> pacer.started(a)).get();
        assertTrue(awaitRoom(pacer, 2).get(10, TimeUnit.SECONDS));
    }

    @Test
    void aBurstLargerThanTheLimitStartsAtOnceWhenNothingSettles() throws Exception {
        StartPacer pacer = new StartPacer(3, HOUR, HOUR, () -> FROZEN);
        assertTrue(awaitRoom(pacer, 10).get(10, TimeUnit.SECONDS), "nothing to wait for");
        Group a = new Group();
        waiter.submit(() -> pacer.started(a)).get();
        Future<Boolean> room = awaitRoom(pacer, 10);
        a.awaitCheck();
        assertFalse(room.isDone(), "one group settles: the burst waits for it");
        a.settled.set(true);
        pacer.changed();
        assertTrue(room.get(10, TimeUnit.SECONDS), "room once the one settling group settled");
    }
}
