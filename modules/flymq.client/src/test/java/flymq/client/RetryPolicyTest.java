package flymq.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Backoff, delivery deadline and which failures count as transient. */
class RetryPolicyTest {
    private static final long MS = 1_000_000L;

    @Test
    void backoffDoublesFromTheFirstWaitUpToOneSecond() {
        RetryPolicy p = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(120));
        assertEquals(Duration.ofMillis(100), p.backoff(1));
        assertEquals(Duration.ofMillis(200), p.backoff(2));
        assertEquals(Duration.ofMillis(400), p.backoff(3));
        assertEquals(Duration.ofMillis(800), p.backoff(4));
        assertEquals(Duration.ofSeconds(1), p.backoff(5));
        assertEquals(Duration.ofSeconds(1), p.backoff(1_000_000), "no overflow however many retries");
    }

    @Test
    void aFirstBackoffLongerThanTheCapIsKept() {
        RetryPolicy p = new RetryPolicy(3, Duration.ofSeconds(5), Duration.ofMinutes(1));
        assertEquals(Duration.ofSeconds(5), p.backoff(1));
        assertEquals(Duration.ofSeconds(5), p.backoff(3));
    }

    @Test
    void aLeaderChangeOrALostConnectionIsRetriedAfterTheSameShortWaitEveryTime() {
        RetryPolicy p = new RetryPolicy(50, Duration.ofMillis(50), Duration.ofSeconds(10));
        long first = 1_000 * MS;
        long now = first + 10 * MS;
        assertEquals(now + 50 * MS, p.retryAt(notLeader(""), 1, first, now));
        assertEquals(now + 50 * MS, p.retryAt(notLeader("n2"), 7, first, now), "no growth: the election ends soon");
        assertEquals(now + 50 * MS, p.retryAt(new ConnectionException("reset"), 5, first, now));
    }

    @Test
    void anOverloadedClusterIsGivenDoublingWaits() {
        RetryPolicy p = new RetryPolicy(50, Duration.ofMillis(50), Duration.ofSeconds(10));
        long now = 0;
        FlyMqServerException busy = FlyMqServerException.of("BATCH_PRODUCE", "cluster busy: produce of 5 records "
                + "to t-0 refused: cluster.produce_inflight_bytes (1 bytes) stayed full for 10 ms");
        assertEquals(50 * MS, p.retryAt(busy, 1, 0, now));
        assertEquals(100 * MS, p.retryAt(busy, 2, 0, now));
        assertEquals(400 * MS, p.retryAt(new RequestTimeoutException("no answer"), 4, 0, now));
        assertEquals(1_000 * MS, p.retryAt(busy, 9, 0, now), "capped at a second");
    }

    @Test
    void noRetryStartsPastTheDeliveryTimeout() {
        RetryPolicy p = new RetryPolicy(100, Duration.ofMillis(100), Duration.ofSeconds(1));
        long first = 0;
        assertTrue(p.retryAt(notLeader(""), 1, first, 899 * MS) > 0, "999 ms is still within the second");
        assertEquals(-1, p.retryAt(notLeader(""), 1, first, 900 * MS), "the retry would start at the deadline");
        assertEquals(-1, p.retryAt(notLeader(""), 1, first, 5_000 * MS));
    }

    @Test
    void theRetryCountIsABoundToo() {
        RetryPolicy p = new RetryPolicy(2, Duration.ofMillis(1), Duration.ofSeconds(100));
        assertTrue(p.retryAt(notLeader(""), 2, 0, 0) > 0);
        assertEquals(-1, p.retryAt(notLeader(""), 3, 0, 0));
        assertEquals(-1, RetryPolicy.NONE.retryAt(notLeader(""), 1, 0, 0));
    }

    @Test
    void transientFailuresAreRetriedOthersAreNot() {
        assertTrue(RetryPolicy.retriable(notLeader("n2")));
        assertTrue(RetryPolicy.retriable(notLeader("")), "an election in progress names no leader");
        assertTrue(RetryPolicy.retriable(new ConnectionException("connection reset")));
        assertTrue(RetryPolicy.retriable(new RequestTimeoutException("no answer within 30000 ms")));
        assertTrue(RetryPolicy.retriable(new CompletionException(new ConnectionException("closed"))));
        assertTrue(RetryPolicy.retriable(FlyMqServerException.of("BATCH_PRODUCE", "cluster busy: produce of 5 "
                + "records to t-0 refused: cluster.produce_inflight_bytes (1 bytes) stayed full for 10 ms")));
        assertTrue(RetryPolicy.retriable(FlyMqServerException.of("BATCH_PRODUCE", "produce to t-0 not committed "
                + "by a majority of [n1, n2, n3] within 10000 ms; it may still be committed")));
        assertFalse(RetryPolicy.retriable(FlyMqServerException.of("BATCH_PRODUCE",
                "partition 7 not found: topic t has 1 partition(s)")));
        assertFalse(RetryPolicy.retriable(FlyMqServerException.of("PRODUCE", "authentication required")));
        assertFalse(RetryPolicy.retriable(new ProtocolException("bad frame")));
        assertFalse(RetryPolicy.retriable(new IllegalStateException("bug")));
    }

    @Test
    void callRetriesATransientFailureAndRethrowsTheLastOne() {
        RetryPolicy p = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofSeconds(30));
        AtomicInteger tries = new AtomicInteger();
        assertEquals("ok", p.call(() -> {
            if (tries.incrementAndGet() < 3) {
                throw notLeader("");
            }
            return "ok";
        }));
        assertEquals(3, tries.get());

        tries.set(0);
        NotLeaderException last = notLeader("n9");
        assertSame(last, assertThrows(NotLeaderException.class, () -> p.call(() -> {
            tries.incrementAndGet();
            throw last;
        })));
        assertEquals(4, tries.get(), "the first try and 3 retries");

        tries.set(0);
        assertThrows(FlyMqServerException.class, () -> p.call(() -> {
            tries.incrementAndGet();
            throw FlyMqServerException.of("PRODUCE", "topic name too long");
        }));
        assertEquals(1, tries.get(), "a permanent refusal is not retried");
    }

    private static NotLeaderException notLeader(String id) {
        return (NotLeaderException) FlyMqServerException.of("BATCH_PRODUCE", "not leader: leader_id=" + id
                + " leader_addr=" + (id.isEmpty() ? "" : "127.0.0.1:9") + " (topic t partition 0)");
    }
}
