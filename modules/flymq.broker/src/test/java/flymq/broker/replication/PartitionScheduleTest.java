package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.delay.PartitionSchedule;
import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.storage.StorageListener;
import flymq.storage.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicated delayed-delivery schedule as a partition replica applies it (SCHEDULE, CANCEL, RELEASE commands of
 * the partition's Raft log): a record is appended once whoever proposes its release again, a replayed log writes
 * nothing twice, and a snapshot carries the schedule to a replica that copies the entries it misses.
 */
class PartitionScheduleTest {
    private static final long T0 = 1_800_000_000_000L;

    @TempDir
    Path dir;

    private LogStore store;
    private PartitionLog log;
    private final List<PartitionSchedule> schedules = new ArrayList<>();

    @BeforeEach
    void open() {
        store = LogStore.open(dir.resolve("logs"), LogConfig.defaults(), StorageListener.NONE);
        log = store.getOrCreate("t", 3, LogConfig.defaults());
    }

    @AfterEach
    void close() {
        schedules.forEach(PartitionSchedule::close);
        store.close();
    }

    private PartitionSchedule schedule(String name) {
        PartitionSchedule s = new PartitionSchedule(dir.resolve(name), "t", 3, () -> { });
        schedules.add(s);
        return s;
    }

    private PartitionStateMachine machine(PartitionLog into, PartitionSchedule schedule) {
        return new PartitionStateMachine("t-3", into, (l, from, to) -> {
            throw new AssertionError("no record catch-up expected");
        }, null, bytes -> { }, schedule);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The RELEASE the leader would propose for what {@code s} finds due at {@code now}. */
    private static byte[] release(PartitionSchedule s, long now) {
        List<PartitionSchedule.DueRecord> due = s.due(now, 500);
        long[] dues = new long[due.size()];
        long[] ids = new long[due.size()];
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < dues.length; i++) {
            dues[i] = due.get(i).dueMs();
            ids[i] = due.get(i).id();
            records.add(new Record(now, due.get(i).key(), due.get(i).value(), List.of()));
        }
        return PartitionStateMachine.encodeRelease(due.isEmpty() ? s.retirable(now) : -1, dues, ids, records);
    }

    private List<String> values() {
        List<String> out = new ArrayList<>();
        for (StoredRecord r : log.read(0, 1000, 1 << 20)) {
            out.add(new String(r.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void aReleaseProposedTwiceAppendsEachRecordOnce() {
        PartitionSchedule s = schedule("a");
        PartitionStateMachine sm = machine(log, s);
        long a = sm.apply(1, PartitionSchedule.encodeSchedule(T0 + 10, T0, null, utf8("a")));
        long b = sm.apply(2, PartitionSchedule.encodeSchedule(T0 + 20, T0, utf8("k"), utf8("b")));
        assertEquals(3, PartitionSchedule.partitionOfId(a), "the id names the partition");
        assertTrue(b != a);
        assertEquals(2, s.pending());
        byte[] first = release(s, T0 + 15);
        byte[] both = release(s, T0 + 25); // proposed before the first one applied: "a" again, and "b"
        assertEquals(1L, sm.apply(3, first));
        assertEquals(1L, sm.apply(4, both), "only b: a was released by entry 3");
        assertEquals(0L, sm.apply(5, both), "a new leader proposing the same release again");
        assertEquals(List.of("a", "b"), values());
        assertEquals(0, s.pending());
        assertEquals(PartitionSchedule.DELIVERED, sm.apply(6, PartitionSchedule.encodeCancel(a)));
    }

    @Test
    void aRecordCancelledAfterTheReleaseWasProposedIsNotAppended() {
        PartitionSchedule s = schedule("c");
        PartitionStateMachine sm = machine(log, s);
        long a = sm.apply(1, PartitionSchedule.encodeSchedule(T0 + 10, T0, null, utf8("a")));
        sm.apply(2, PartitionSchedule.encodeSchedule(T0 + 10, T0, null, utf8("b")));
        byte[] proposed = release(s, T0 + 10);
        assertEquals(0L, sm.apply(3, PartitionSchedule.encodeCancel(a)));
        assertEquals(PartitionSchedule.CANCELLED, sm.apply(4, PartitionSchedule.encodeCancel(a)));
        assertEquals(1L, sm.apply(5, proposed));
        assertEquals(List.of("b"), values());
        assertEquals(PartitionSchedule.UNKNOWN, sm.apply(6, PartitionSchedule.encodeCancel(a + 7)));
    }

    @Test
    void aScheduleBeforeTheReleaseMarkIsRefusedAndAMinuteOverIsRetired() {
        PartitionSchedule s = schedule("m");
        PartitionStateMachine sm = machine(log, s);
        sm.apply(1, PartitionSchedule.encodeSchedule(T0 + 500, T0, null, utf8("a")));
        sm.apply(2, release(s, T0 + 500));
        assertThrows(PartitionSchedule.DueTooEarly.class,
                () -> sm.apply(3, PartitionSchedule.encodeSchedule(T0 + 100, T0, null, utf8("late"))));
        assertEquals(T0 + 500, s.earliestDue());
        assertEquals(-1, s.retirable(T0 + 59_999), "its minute is not over");
        byte[] retire = release(s, T0 + 60_000);
        sm.apply(4, retire);
        assertEquals(T0 + 60_000, s.earliestDue(), "nothing is scheduled into a retired minute");
        assertTrue(s.isEmpty() || s.nextDueMs(T0 + 60_000) == Long.MAX_VALUE);
    }

    @Test
    void aReplayedLogWritesNothingTwice() throws Exception {
        List<byte[]> commands = new ArrayList<>();
        PartitionSchedule s = schedule("r");
        PartitionStateMachine sm = machine(log, s);
        for (int i = 0; i < 5; i++) {
            commands.add(PartitionSchedule.encodeSchedule(T0 + 100 * i, T0, null, utf8("v" + i)));
        }
        long[] ids = new long[5];
        for (int i = 0; i < 5; i++) {
            ids[i] = sm.apply(i + 1, commands.get(i));
        }
        commands.add(PartitionSchedule.encodeCancel(ids[2]));
        sm.apply(6, commands.get(5));
        commands.add(release(s, T0 + 250)); // v0, v1 (v2 cancelled)
        sm.apply(7, commands.get(6));
        s.close();
        // a restart: the same files, the Raft log replayed from the start
        PartitionSchedule again = schedule("r");
        PartitionStateMachine replay = machine(log, again);
        for (int i = 0; i < commands.size(); i++) {
            replay.apply(i + 1, commands.get(i));
        }
        assertEquals(List.of("v0", "v1"), values());
        assertEquals(2, again.pending());
        assertEquals(2L, replay.apply(8, release(again, T0 + 1000)));
        assertEquals(List.of("v0", "v1", "v3", "v4"), values());
    }

    @Test
    void aSnapshotCarriesTheScheduleAndAReplicaCopiesTheEntriesItMisses() {
        PartitionSchedule leader = schedule("leader");
        PartitionStateMachine sm = machine(log, leader);
        long cancelled = 0;
        for (int i = 0; i < 30; i++) {
            long id = sm.apply(i + 1, PartitionSchedule.encodeSchedule(T0 + 1000 + i * 3000L, T0, null,
                    utf8("v" + i)));
            if (i == 7) {
                cancelled = id;
            }
        }
        sm.apply(31, PartitionSchedule.encodeCancel(cancelled));
        sm.apply(32, release(leader, T0 + 4000)); // v0, v1
        List<byte[]> chunks = new ArrayList<>();
        sm.takeSnapshot(32, chunks::add);
        assertEquals(3, chunks.size(), "base, an empty transactions section, the schedule");

        PartitionLog followerLog = store.getOrCreate("t-follower", 3, LogConfig.defaults());
        followerLog.append(List.of(new Record(1, null, utf8("v0"), List.of()),
                new Record(1, null, utf8("v1"), List.of())));
        PartitionSchedule follower = schedule("follower");
        follower.entrySource(from(leader));
        PartitionStateMachine replica = machine(followerLog, follower);
        replica.installSnapshot(32, chunks);
        assertEquals(leader.pending(), follower.pending());
        assertEquals(27, follower.pending(), "30 scheduled, 1 cancelled, 2 released");
        List<PartitionSchedule.DueRecord> due = follower.due(T0 + 1000 + 29 * 3000L, 500);
        List<String> dueValues = new ArrayList<>();
        for (PartitionSchedule.DueRecord d : due) {
            dueValues.add(new String(d.value(), StandardCharsets.UTF_8));
        }
        // the first minute's window: v2..v19 due by T0 + 58 s, v7 cancelled
        List<String> expected = new ArrayList<>();
        for (int i = 2; i < 30 && T0 + 1000 + i * 3000L < T0 + 60_000; i++) {
            if (i != 7) {
                expected.add("v" + i);
            }
        }
        assertEquals(expected, dueValues);
    }

    private static PartitionSchedule.EntrySource from(PartitionSchedule leader) {
        return new PartitionSchedule.EntrySource() {
            @Override
            public List<PartitionSchedule.Entry> entries(long minute, int from, int to) {
                return leader.entries(minute, from, to, 1 << 20);
            }

            @Override
            public int[] cancels(long minute, int from, int to) {
                return leader.cancels(minute, from, to);
            }
        };
    }

    @Test
    void aMinuteTheLeaderRetiredSinceTheSnapshotIsNotCopiedAndTheLogStillReplays() {
        PartitionSchedule leader = schedule("leader2");
        PartitionStateMachine sm = machine(log, leader);
        List<byte[]> after = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sm.apply(i + 1, PartitionSchedule.encodeSchedule(T0 + 10 * (i + 1), T0, null, utf8("v" + i)));
        }
        List<byte[]> chunks = new ArrayList<>();
        sm.takeSnapshot(3, chunks::add);
        after.add(PartitionSchedule.encodeSchedule(T0 + 40, T0, null, utf8("v3"))); // into the same minute
        sm.apply(4, after.get(0));
        after.add(release(leader, T0 + 60_000));
        sm.apply(5, after.get(1));
        after.add(release(leader, T0 + 60_000)); // nothing due: retires the minute, its files go
        sm.apply(6, after.get(2));
        assertEquals(T0 + 60_000, leader.earliestDue());

        PartitionLog followerLog = store.getOrCreate("t-behind", 3, LogConfig.defaults());
        PartitionSchedule follower = schedule("behind");
        follower.entrySource(from(leader));
        PartitionStateMachine replica = machine(followerLog, follower);
        replica.installSnapshot(3, chunks);
        assertEquals(3, follower.pending());
        for (int i = 0; i < after.size(); i++) {
            replica.apply(4 + i, after.get(i));
        }
        List<String> held = new ArrayList<>();
        for (StoredRecord r : followerLog.read(0, 100, 1 << 20)) {
            held.add(new String(r.value(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of("v0", "v1", "v2", "v3"), held, "the RELEASE entries carry the records");
        assertEquals(values(), held);
        assertEquals(0, follower.pending());
        assertEquals(T0 + 60_000, follower.earliestDue());
    }
}
