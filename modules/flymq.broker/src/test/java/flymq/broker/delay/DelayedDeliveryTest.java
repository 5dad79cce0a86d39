package flymq.broker.delay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerListener;
import flymq.broker.TestClock;
import flymq.broker.produce.LocalAcknowledger;
import flymq.broker.produce.ProduceAcknowledger;
import flymq.broker.topic.RecordExpiry;
import flymq.broker.topic.TopicManager;
import flymq.broker.topic.TopicSettings;
import flymq.protocol.RequestException;
import flymq.storage.Header;
import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.StorageListener;
import flymq.storage.StoredRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schedule of delayed records, driven pass by pass ({@link DelayedDelivery#deliverDue}) on a clock the test
 * moves: due order, cancels, restarts, and exactly-once delivery when a crash interrupts a delivery at any point.
 */
class DelayedDeliveryTest {
    static final long T0 = 1_800_000_000_000L; // on a minute boundary

    @TempDir
    Path dir;
    final TestClock clock = new TestClock(T0);
    LogStore store;
    TopicManager topics;
    DelayedDelivery delivery;

    @BeforeEach
    void open() {
        store = LogStore.open(dir.resolve("logs"), LogConfig.defaults(), StorageListener.NONE,
                Duration.ofHours(1), clock::millis);
        topics = TopicManager.open(store, dir.resolve("topics.json"), LogConfig.defaults(), true, 1, 1,
                BrokerListener.NONE);
        topics.create("a", TopicSettings.ofPartitions(2));
        topics.create("b", TopicSettings.ofPartitions(1));
        delivery = schedule(new LocalAcknowledger());
    }

    DelayedDelivery schedule(ProduceAcknowledger acknowledger) {
        return new DelayedDelivery(dir.resolve("delayed"), topics, acknowledger, new RecordExpiry(clock, 0),
                BrokerListener.NONE, Duration.ofDays(7).toMillis(), true, 5);
    }

    @AfterEach
    void close() {
        delivery.close();
        store.close();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    DelayedDelivery.Scheduled later(String topic, int partition, String value, Duration delay) {
        return delivery.schedule(topic, partition, null, utf8(value), delay.toMillis());
    }

    List<StoredRecord> records(String topic, int partition) {
        var log = topics.topic(topic).log(partition);
        return log.endOffset() == 0 ? List.of() : log.read(0, 1000, 1 << 20);
    }

    List<String> values(String topic, int partition) {
        return records(topic, partition).stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    static long delayId(StoredRecord r) {
        for (Header h : r.headers()) {
            if (h.key().equals(DelayedDelivery.DELIVERED_HEADER)) {
                return ByteBuffer.wrap(h.value()).getLong();
            }
        }
        return -1;
    }

    @Test
    void aRecordIsAppendedWhenItIsDueAndNotBefore() {
        var s = later("a", 1, "x", Duration.ofSeconds(30));
        assertEquals(1, s.partition());
        assertEquals(T0 + 30_000, s.dueMs());
        assertEquals(1, delivery.pending());

        clock.advance(Duration.ofMillis(29_999));
        assertEquals(0, delivery.deliverDue());
        assertEquals(List.of(), values("a", 1));

        clock.advance(Duration.ofMillis(1));
        assertEquals(1, delivery.deliverDue());
        List<StoredRecord> got = records("a", 1);
        assertEquals(1, got.size());
        assertEquals("x", new String(got.get(0).value(), StandardCharsets.UTF_8));
        assertEquals(0, got.get(0).offset(), "the offset is given at delivery");
        assertEquals(T0 + 30_000, got.get(0).timestamp(), "the timestamp is the delivery time");
        assertEquals(s.id(), delayId(got.get(0)));
        assertEquals(0, delivery.pending());
        assertEquals(1, delivery.delivered());

        clock.advance(Duration.ofMinutes(5));
        assertEquals(0, delivery.deliverDue(), "delivered once");
        assertEquals(1, records("a", 1).size());
    }

    @Test
    void recordsAreDeliveredInDueOrderAcrossMinutes() {
        later("b", 0, "3m", Duration.ofMinutes(3));
        later("b", 0, "1s-first", Duration.ofSeconds(1));
        later("b", 0, "2m", Duration.ofMinutes(2));
        later("b", 0, "1s-second", Duration.ofSeconds(1));
        later("b", 0, "now", Duration.ZERO);
        clock.advance(Duration.ofMinutes(10));
        while (delivery.deliverDue() > 0) {
            // one pass per minute's bucket at most
        }
        assertEquals(List.of("now", "1s-first", "1s-second", "2m", "3m"), values("b", 0));
        assertEquals(0, delivery.pending());
        try (var files = Files.list(dir.resolve("delayed"))) {
            assertEquals(List.of("state"), files.map(f -> f.getFileName().toString()).toList(),
                    "delivered buckets are deleted");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aCancelledRecordIsNeverDelivered() {
        var keep = later("a", 0, "keep", Duration.ofMinutes(1));
        var drop = later("a", 0, "drop", Duration.ofMinutes(1));
        assertNull(delivery.cancel("a", drop.id()));
        assertEquals("the record with delay id " + drop.id() + " was already cancelled",
                delivery.cancel("a", drop.id()));
        assertEquals("delay id " + keep.id() + " schedules a record for topic a, not b",
                delivery.cancel("b", keep.id()));
        assertTrue(delivery.cancel("a", keep.id() + 1000).startsWith("no record is scheduled with delay id"));
        assertEquals(1, delivery.pending());

        clock.advance(Duration.ofMinutes(2));
        assertEquals(1, delivery.deliverDue());
        assertEquals(List.of("keep"), values("a", 0));
        assertEquals("the record with delay id " + keep.id() + " was already delivered to a-0",
                delivery.cancel("a", keep.id()));
        assertEquals(0, delivery.deliverDue());
        assertTrue(delivery.cancel("a", keep.id()).startsWith("no record is scheduled with delay id"),
                "once its minute is over the bucket is gone");
        assertEquals(1, delivery.cancelled());
    }

    @Test
    void aCancelSurvivesARestart() {
        var drop = later("a", 0, "drop", Duration.ofMinutes(5));
        later("a", 0, "keep", Duration.ofMinutes(5));
        assertNull(delivery.cancel("a", drop.id()));
        delivery.close();
        delivery = schedule(new LocalAcknowledger());
        assertEquals(1, delivery.pending());
        clock.advance(Duration.ofMinutes(6));
        while (delivery.deliverDue() > 0) {
            // deliver everything due
        }
        assertEquals(List.of("keep"), values("a", 0));
    }

    @Test
    void theScheduleSurvivesARestartAndIsDeliveredOnce() {
        later("a", 0, "one", Duration.ofSeconds(10));
        later("a", 1, "two", Duration.ofHours(5));
        later("b", 0, "three", Duration.ofDays(2));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, delivery.deliverDue());
        delivery.close();

        delivery = schedule(new LocalAcknowledger());
        assertEquals(2, delivery.pending());
        assertEquals(0, delivery.deliverDue(), "nothing else is due yet, and 'one' is not delivered again");
        clock.advance(Duration.ofDays(3));
        while (delivery.deliverDue() > 0) {
            // deliver everything due
        }
        assertEquals(List.of("one"), values("a", 0));
        assertEquals(List.of("two"), values("a", 1));
        assertEquals(List.of("three"), values("b", 0));
    }

    /** An acknowledger that fails (a crash, for the files) before or after its n-th append. */
    static ProduceAcknowledger failingAt(int call, boolean afterAppend) {
        AtomicInteger calls = new AtomicInteger();
        LocalAcknowledger local = new LocalAcknowledger();
        return (topic, partition, log, batch, acks) -> {
            int n = calls.incrementAndGet();
            if (n == call && !afterAppend) {
                throw new IllegalStateException("crash before append " + n);
            }
            long base = local.appendAndAcknowledge(topic, partition, log, batch, acks);
            if (n == call) {
                throw new IllegalStateException("crash after append " + n);
            }
            return base;
        };
    }

    void crashDuringDeliveryThenRestart(int call, boolean afterAppend) {
        List<Long> ids = new ArrayList<>();
        ids.add(later("a", 0, "a0-1", Duration.ofSeconds(1)).id());
        ids.add(later("b", 0, "b0-1", Duration.ofSeconds(1)).id());
        ids.add(later("a", 0, "a0-2", Duration.ofSeconds(1)).id());
        ids.add(later("a", 1, "a1-1", Duration.ofSeconds(1)).id());
        delivery.close();
        delivery = schedule(failingAt(call, afterAppend));
        clock.advance(Duration.ofSeconds(1));
        assertThrows(IllegalStateException.class, () -> delivery.deliverDue());
        // the process dies here: nothing is closed gracefully, the next start reads the files as they are
        delivery = schedule(new LocalAcknowledger());
        assertEquals(0, delivery.pending(), "the interrupted delivery was finished on open");
        assertEquals(0, delivery.deliverDue());
        assertEquals(List.of("a0-1", "a0-2"), values("a", 0));
        assertEquals(List.of("a1-1"), values("a", 1));
        assertEquals(List.of("b0-1"), values("b", 0));
        List<Long> delivered = new ArrayList<>();
        for (String[] tp : new String[][] {{"a", "0"}, {"b", "0"}, {"a", "1"}}) {
            records(tp[0], Integer.parseInt(tp[1])).forEach(r -> delivered.add(delayId(r)));
        }
        assertEquals(ids.stream().sorted().toList(), delivered.stream().sorted().toList());
    }

    @Test
    void aCrashBeforeTheFirstAppendLosesNothing() {
        crashDuringDeliveryThenRestart(1, false);
    }

    @Test
    void aCrashBetweenTwoPartitionsAppendsDuplicatesNothing() {
        crashDuringDeliveryThenRestart(1, true);
    }

    @Test
    void aCrashAfterTheLastAppendBeforeTheMarkAppendsNothingTwice() {
        crashDuringDeliveryThenRestart(3, true);
    }

    @Test
    void aTornScheduleWriteIsCutOnOpen() throws IOException {
        later("a", 0, "whole", Duration.ofSeconds(5));
        delivery.close();
        Path bucket;
        try (var files = Files.list(dir.resolve("delayed"))) {
            bucket = files.filter(f -> f.toString().endsWith(".delayed")).findFirst().orElseThrow();
        }
        long whole = Files.size(bucket);
        Files.write(bucket, new byte[] {0, 0, 0, 90, 1, 2, 3}, StandardOpenOption.APPEND);
        delivery = schedule(new LocalAcknowledger());
        assertEquals(whole, Files.size(bucket));
        assertEquals(1, delivery.pending());
        var next = later("a", 0, "after", Duration.ofSeconds(5));
        assertEquals(1, DelayBucket.seqOfId(next.id()), "numbering continues after the last whole entry");
        clock.advance(Duration.ofSeconds(5));
        delivery.deliverDue();
        assertEquals(List.of("whole", "after"), values("a", 0));
    }

    @Test
    void delaysOutsideTheLimitsAreRefused() {
        var e = assertThrows(RequestException.class, () -> later("a", 0, "x", Duration.ofDays(8)));
        assertEquals("invalid delay_ms 691200000 for topic a: expected 0..604800000 (delayed.max_delay is 604800 s)",
                e.getMessage());
        assertThrows(RequestException.class, () -> delivery.schedule("a", 0, null, utf8("x"), -1));
        assertThrows(RequestException.class, () -> later("a", 5, "x", Duration.ofSeconds(1)));
        assertEquals(0, delivery.pending());
    }

    @Test
    void aRecordIsNeverScheduledBeforeWhatWasDeliveredEvenWhenTheClockGoesBack() {
        later("a", 0, "first", Duration.ofMinutes(3));
        clock.advance(Duration.ofMinutes(3));
        assertEquals(1, delivery.deliverDue());
        clock.set(T0); // the wall clock jumps back 3 minutes
        var s = later("a", 0, "second", Duration.ZERO);
        assertTrue(s.dueMs() >= T0 + Duration.ofMinutes(3).toMillis(), "due " + s.dueMs());
        clock.advance(Duration.ofMinutes(3));
        assertEquals(1, delivery.deliverDue());
        assertEquals(List.of("first", "second"), values("a", 0));
    }
}
