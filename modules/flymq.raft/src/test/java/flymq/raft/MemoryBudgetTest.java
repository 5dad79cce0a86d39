package flymq.raft;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryBudgetTest {

    @Test
    void aHolderBeyondTheCapacityWaitsUntilAnotherReleases() throws Exception {
        MemoryBudget budget = new MemoryBudget("test", 100);
        assertTrue(budget.tryAcquire(70, 0, TimeUnit.MILLISECONDS));
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            try {
                return budget.tryAcquire(50, 10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        waiting.await();
        assertFalse(second.isDone(), "50 more bytes do not fit next to 70 of 100");
        budget.release(70);
        assertTrue(second.get(10, TimeUnit.SECONDS));
        assertEquals(50, budget.used());
    }

    @Test
    void aHolderThatFindsNoRoomInTimeIsToldNoAndHoldsNothing() throws Exception {
        MemoryBudget budget = new MemoryBudget("test", 100);
        assertTrue(budget.tryAcquire(100, 0, TimeUnit.MILLISECONDS));
        assertFalse(budget.tryAcquire(1, 20, TimeUnit.MILLISECONDS));
        assertEquals(100, budget.used());
    }

    @Test
    void anOversizeRequestTakesTheWholeBudgetAndReleasesTheSame() throws Exception {
        MemoryBudget budget = new MemoryBudget("test", 100);
        assertTrue(budget.tryAcquire(10, 0, TimeUnit.MILLISECONDS));
        assertFalse(budget.tryAcquire(1_000, 20, TimeUnit.MILLISECONDS), "waits for the budget to be empty");
        budget.release(10);
        assertTrue(budget.tryAcquire(1_000, 0, TimeUnit.MILLISECONDS));
        assertEquals(100, budget.used());
        budget.release(1_000);
        assertEquals(0, budget.used());
    }

    @Test
    void releasingMoreThanHeldIsABug() {
        MemoryBudget budget = new MemoryBudget("test", 100);
        assertThrows(IllegalStateException.class, () -> budget.release(1));
    }
}
