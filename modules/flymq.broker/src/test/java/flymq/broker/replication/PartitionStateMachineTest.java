package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.produce.ProducerBatch;
import flymq.broker.txn.ReplicaTransactions;
import flymq.broker.txn.TransactionIndex;
import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.storage.StorageListener;
import flymq.storage.StoredRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The partition state machine's command and snapshot handling, on a real partition log. */
class PartitionStateMachineTest {
    @TempDir
    Path dir;

    private LogStore store;
    private PartitionLog log;
    private final List<long[]> copies = new ArrayList<>();

    @BeforeEach
    void open() {
        store = LogStore.open(dir, LogConfig.defaults(), StorageListener.NONE);
        log = store.getOrCreate("t", 0, LogConfig.defaults());
    }

    @AfterEach
    void close() {
        store.close();
    }

    private PartitionStateMachine machine() {
        return new PartitionStateMachine("t-0", log, (l, from, to) -> {
            copies.add(new long[] {from, to});
            List<Record> missing = new ArrayList<>();
            for (long o = from; o < to; o++) {
                missing.add(record("copied-" + o));
            }
            l.append(missing);
        });
    }

    private static Record record(String value) {
        return new Record(1L, null, value.getBytes(StandardCharsets.UTF_8), List.of());
    }

    @Test
    void aBatchPromisedTheLogsNextOffsetIsAppendedThere() {
        PartitionStateMachine sm = machine();
        assertEquals(0L, sm.apply(1, PartitionStateMachine.encode(0, List.of(record("a"), record("b")))));
        assertEquals(2L, sm.apply(2, PartitionStateMachine.encode(2, List.of(record("c")))));
        assertEquals(3, log.endOffset());
    }

    @Test
    void aBatchPromisedAnotherOffsetIsRejectedAndAppendsNothing() {
        PartitionStateMachine sm = machine();
        sm.apply(1, PartitionStateMachine.encode(-1, List.of(record("a"))));
        PartitionStateMachine.OffsetMismatch e = assertThrows(PartitionStateMachine.OffsetMismatch.class,
                () -> sm.apply(2, PartitionStateMachine.encode(5, List.of(record("late")))));
        assertTrue(e.getMessage().contains("promised base offset 5") && e.getMessage().contains("continues at 1"),
                e.getMessage());
        assertEquals(1, log.endOffset());
        assertEquals(1L, sm.apply(3, PartitionStateMachine.encode(-1, List.of(record("next")))));
    }

    @Test
    void expiringRecordsTravelInFormat3AndOthersKeepFormat2() throws Exception {
        byte[] plain = PartitionStateMachine.encode(4, List.of(record("a")));
        assertEquals(-2, new DataInputStream(new ByteArrayInputStream(plain)).readInt());
        Record expiring = new Record(1L, null, "b".getBytes(StandardCharsets.UTF_8), List.of(), 1_900_000_000_000L);
        byte[] mixed = PartitionStateMachine.encode(4, List.of(record("a"), expiring));
        assertEquals(-3, new DataInputStream(new ByteArrayInputStream(mixed)).readInt());
        PartitionStateMachine.Command c = PartitionStateMachine.decodeCommand(mixed);
        assertEquals(4, c.expectedBase());
        assertEquals(Record.NO_EXPIRY, c.batch().get(0).expiresAt());
        assertEquals(1_900_000_000_000L, c.batch().get(1).expiresAt());
        PartitionStateMachine sm = machine();
        sm.apply(1, PartitionStateMachine.encode(0, List.of(expiring)));
        assertEquals(1_900_000_000_000L, log.read(0, 1, 1 << 20).get(0).expiresAt(), "every replica stores it");
    }

    @Test
    void aCommandOfTheFormatWithoutAPromiseStillReplays() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(1);
            out.writeLong(7L);
            out.writeInt(-1);
            out.writeInt(2);
            out.write("hi".getBytes(StandardCharsets.UTF_8));
            out.writeShort(0);
        }
        PartitionStateMachine.Command c = PartitionStateMachine.decodeCommand(bytes.toByteArray());
        assertEquals(-1, c.expectedBase());
        assertEquals("hi", new String(c.batch().get(0).value(), StandardCharsets.UTF_8));
    }

    @Test
    void aSnapshotBeyondTheLogsEndCopiesTheMissingOffsetsBeforeAnythingNewer() {
        PartitionStateMachine sm = machine();
        sm.apply(1, PartitionStateMachine.encode(List.of(record("a"), record("b"))));
        sm.installSnapshot(40, List.of(ByteBuffer.allocate(8).putLong(0, 5).array()));
        assertEquals(1, copies.size());
        assertEquals(2, copies.get(0)[0]);
        assertEquals(5, copies.get(0)[1]);
        assertEquals(5, log.endOffset());
        assertEquals(5L, sm.apply(41, PartitionStateMachine.encode(5, List.of(record("f")))));
    }

    @Test
    void aSnapshotTheLogAlreadyCoversCopiesNothing() {
        PartitionStateMachine sm = machine();
        sm.apply(1, PartitionStateMachine.encode(List.of(record("a"), record("b"))));
        sm.installSnapshot(1, List.of(ByteBuffer.allocate(8).putLong(0, 2).array()));
        assertEquals(List.of(), copies);
        assertEquals(2, sm.nextOffset());
    }

    @Test
    void aDamagedSnapshotIsRefusedWithItsSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> machine().installSnapshot(9, List.of(new byte[3])));
        assertTrue(e.getMessage().contains("first of 3 bytes"), e.getMessage());
    }

    private static final ProducerBatch FIRST = new ProducerBatch(77, 0);

    @Test
    void aRetriedBatchOfAnIdempotentProducerIsAnsweredWithItsFirstOffsetAndNotAppendedAgain() {
        PartitionStateMachine sm = machine();
        assertEquals(0L, sm.apply(1, PartitionStateMachine.encode(-1, List.of(record("a"), record("b")), FIRST)));
        assertEquals(2L, sm.apply(2, PartitionStateMachine.encode(-1, List.of(record("x")))));
        assertEquals(0L, sm.apply(3, PartitionStateMachine.encode(-1, List.of(record("a"), record("b")), FIRST)),
                "the retry gets the first answer");
        assertEquals(3, log.endOffset(), "and appends nothing");
        assertEquals(3L, sm.apply(4, PartitionStateMachine.encode(-1, List.of(record("c")),
                new ProducerBatch(77, 2))), "the producer's next batch is new");
        assertEquals(4L, sm.apply(5, PartitionStateMachine.encode(-1, List.of(record("a"), record("b")),
                new ProducerBatch(78, 0))), "another producer's batch with the same sequence is new");
        assertEquals(6, log.endOffset());
    }

    @Test
    void aBatchWithoutAProducerIsAppendedEveryTime() {
        PartitionStateMachine sm = machine();
        sm.apply(1, PartitionStateMachine.encode(-1, List.of(record("a"))));
        sm.apply(2, PartitionStateMachine.encode(-1, List.of(record("a"))));
        assertEquals(2, log.endOffset());
    }

    @Test
    void producerCommandsKeepTheirFieldsAndExpiries() {
        Record expiring = new Record(1L, null, "e".getBytes(StandardCharsets.UTF_8), List.of(), 99L);
        PartitionStateMachine.Command c = PartitionStateMachine.decodeCommand(PartitionStateMachine.encode(7,
                List.of(expiring, record("plain")), new ProducerBatch(5, 9)));
        assertEquals(7, c.expectedBase());
        assertEquals(new ProducerBatch(5, 9), c.producer());
        assertEquals(99L, c.batch().get(0).expiresAt());
        assertEquals(Record.NO_EXPIRY, c.batch().get(1).expiresAt());
    }

    @Test
    void theProducerTableTravelsInTheSnapshotSoARetryAfterInstallingItIsStillRecognised() {
        PartitionStateMachine leader = machine();
        leader.apply(1, PartitionStateMachine.encode(-1, List.of(record("a"), record("b")), FIRST));
        List<byte[]> chunks = new ArrayList<>();
        leader.takeSnapshot(1, chunks::add);
        assertEquals(1, chunks.size());
        assertTrue(chunks.get(0).length > 8, "the table follows next_offset");

        PartitionStateMachine follower = machine(); // same log: the snapshot covers it, nothing is copied
        follower.installSnapshot(1, chunks);
        assertEquals(List.of(), copies);
        assertEquals(0L, follower.apply(2, PartitionStateMachine.encode(-1, List.of(record("a"), record("b")),
                FIRST)));
        assertEquals(2, log.endOffset());
    }

    @Test
    void aSnapshotWithoutProducersKeepsItsEightBytes() {
        PartitionStateMachine sm = machine();
        sm.apply(1, PartitionStateMachine.encode(-1, List.of(record("a"))));
        List<byte[]> chunks = new ArrayList<>();
        sm.takeSnapshot(1, chunks::add);
        assertEquals(8, chunks.get(0).length);
    }

    // ------------------------------------------------------------------ format 8: records in the stored layout

    private List<StoredRecord> all() {
        return log.read(0, 1000, 1 << 20);
    }

    @Test
    void aLeadersStoredBatchIsAppendedWithEveryFieldAndTheLogsOffsets() {
        PartitionStateMachine sm = machine();
        Record full = new Record(5L, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8),
                List.of(new flymq.storage.Header("h", new byte[] {1, 2})), 1_900_000_000_000L);
        assertEquals(0L, sm.apply(1, PartitionStateMachine.encodeStored(-1, List.of(record("a")), ProducerBatch.NONE)));
        assertEquals(1L, sm.apply(2, PartitionStateMachine.encodeStored(1, List.of(full, record("b")),
                ProducerBatch.NONE)));
        List<StoredRecord> got = all();
        assertEquals(List.of(0L, 1L, 2L), got.stream().map(StoredRecord::offset).toList());
        assertEquals(List.of("a", "v", "b"), got.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .toList());
        StoredRecord r = got.get(1);
        assertEquals(5L, r.timestamp());
        assertEquals("k", new String(r.key(), StandardCharsets.UTF_8));
        assertEquals("h", r.headers().get(0).key());
        assertEquals(1_900_000_000_000L, r.expiresAt());
        assertEquals(null, got.get(0).key());
        assertEquals(3L, sm.nextOffset());
    }

    @Test
    void aReplayedStoredBatchAppendsOnlyTheRecordsTheLogLacks() {
        log.append(List.of(record("a"), record("b"))); // a restart lost the tail of the entry's batch
        PartitionStateMachine sm = machine();
        assertEquals(0L, sm.apply(1, PartitionStateMachine.encodeStored(-1,
                List.of(record("a"), record("b"), record("c")), ProducerBatch.NONE)));
        assertEquals(List.of("a", "b", "c"), all().stream().map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .toList());
        assertEquals(3L, sm.apply(2, PartitionStateMachine.encodeStored(-1, List.of(record("d")), ProducerBatch.NONE)));
    }

    @Test
    void storedBatchesKeepTheIdempotenceAndThePromisedOffset() {
        PartitionStateMachine sm = machine();
        assertEquals(0L, sm.apply(1, PartitionStateMachine.encodeStored(-1, List.of(record("a"), record("b")), FIRST)));
        assertEquals(0L, sm.apply(2, PartitionStateMachine.encodeStored(-1, List.of(record("a"), record("b")), FIRST)),
                "the retry gets the first answer");
        assertEquals(2, log.endOffset(), "and appends nothing");
        assertThrows(PartitionStateMachine.OffsetMismatch.class, () -> sm.apply(3,
                PartitionStateMachine.encodeStored(7, List.of(record("late")), ProducerBatch.NONE)));
        assertEquals(2, log.endOffset());
    }

    @Test
    void aDamagedStoredCommandIsRefusedWholeAndAppendsNothing() {
        PartitionStateMachine sm = machine();
        byte[] whole = PartitionStateMachine.encodeStored(-1, List.of(record("a"), record("bb")), ProducerBatch.NONE);
        for (int len = 28; len < whole.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(whole, len);
            assertThrows(IllegalArgumentException.class, () -> sm.apply(1, cut), "cut at " + len);
        }
        byte[] miscounted = whole.clone();
        ByteBuffer.wrap(miscounted).putInt(24, 1);
        assertThrows(IllegalArgumentException.class, () -> sm.apply(1, miscounted), "one record too many");
        byte[] sealed = whole.clone();
        sealed[28 + StoredRecordLayout.ATTRIBUTES_POS] |= (byte) StoredRecordLayout.ATTR_ENCRYPTED;
        assertThrows(IllegalArgumentException.class, () -> sm.apply(1, sealed), "an attribute the wire has not");
        assertEquals(0, log.endOffset());
        assertEquals(0L, sm.apply(1, whole));
        assertEquals(2, log.endOffset());
    }

    @Test
    void storedBatchesTeachTheReplicasTransactionsAsTheOtherFormatsDo() {
        TransactionIndex index = new TransactionIndex();
        PartitionStateMachine sm = machine(index);
        sm.apply(1, PartitionStateMachine.encodeStored(-1, List.of(record("plain"), txn(7, "t7")), ProducerBatch.NONE));
        assertEquals(1, index.view("t", 0).lastStableOffset());
        sm.apply(2, PartitionStateMachine.encodeStored(-1, List.of(record("more")), ProducerBatch.NONE));
        assertEquals(1, index.view("t", 0).lastStableOffset(), "a batch without transactional records changes nothing");
        sm.apply(3, PartitionStateMachine.encodeStored(-1, List.of(marker(7, StoredRecordLayout.MARKER_ABORT)),
                ProducerBatch.NONE));
        assertEquals(Long.MAX_VALUE, index.view("t", 0).lastStableOffset());
        assertTrue(index.view("t", 0).aborted(7, 1));
        assertEquals(4, log.endOffset());
    }

    // ------------------------------------------------------------------ transactions learned from the log

    private static Record txn(long id, String value) {
        return new Record(1L, null, value.getBytes(StandardCharsets.UTF_8), List.of(new flymq.storage.Header(
                StoredRecordLayout.TXN_HEADER, ByteBuffer.allocate(8).putLong(id).array())));
    }

    private static Record marker(long id, int outcome) {
        return new Record(1L, null, new byte[0], List.of(
                new flymq.storage.Header(StoredRecordLayout.TXN_HEADER, ByteBuffer.allocate(8).putLong(id).array()),
                new flymq.storage.Header(StoredRecordLayout.TXN_MARKER_HEADER, new byte[] {(byte) outcome})));
    }

    private PartitionStateMachine machine(TransactionIndex index) {
        return new PartitionStateMachine("t-0", log, (l, from, to) -> {
            throw new AssertionError("nothing to copy");
        }, new ReplicaTransactions(index, "t", 0, log.endOffset()));
    }

    @Test
    void aTransactionsFirstRecordHoldsReadersBackUntilItsCommitMarker() {
        TransactionIndex index = new TransactionIndex();
        PartitionStateMachine sm = machine(index);
        sm.apply(1, PartitionStateMachine.encode(-1, List.of(record("plain"), txn(7, "t7"))));
        assertEquals(1, index.view("t", 0).lastStableOffset());
        sm.apply(2, PartitionStateMachine.encode(-1, List.of(txn(8, "t8"), marker(7, StoredRecordLayout.MARKER_COMMIT))));
        assertEquals(2, index.view("t", 0).lastStableOffset(), "7 committed, 8 still open at offset 2");
        sm.apply(3, PartitionStateMachine.encode(-1, List.of(marker(8, StoredRecordLayout.MARKER_ABORT))));
        assertEquals(Long.MAX_VALUE, index.view("t", 0).lastStableOffset());
        assertTrue(index.view("t", 0).aborted(8, 2) && !index.view("t", 0).aborted(7, 1));
    }

    @Test
    void aLateRecordOfAnAbortedTransactionJoinsItsAbortedRangeInsteadOfOpeningItAgain() {
        TransactionIndex index = new TransactionIndex();
        PartitionStateMachine sm = machine(index);
        sm.apply(1, PartitionStateMachine.encode(-1, List.of(txn(5, "a"), marker(5, StoredRecordLayout.MARKER_ABORT))));
        sm.apply(2, PartitionStateMachine.encode(-1, List.of(txn(5, "late"))));
        assertEquals(Long.MAX_VALUE, index.view("t", 0).lastStableOffset());
        assertTrue(index.view("t", 0).aborted(5, 2));
    }

    @Test
    void openAndAbortedTransactionsTravelInTheSnapshotSoAReplicaCaughtUpFromItHidesThemToo() {
        TransactionIndex leaderIndex = new TransactionIndex();
        PartitionStateMachine leader = machine(leaderIndex);
        leader.apply(1, PartitionStateMachine.encode(-1, List.of(txn(1, "x"), marker(1, StoredRecordLayout.MARKER_ABORT),
                record("plain"), txn(2, "open"))));
        List<byte[]> chunks = new ArrayList<>();
        leader.takeSnapshot(1, chunks::add);
        assertEquals(2, chunks.size(), "the transactions section follows next_offset");

        TransactionIndex followerIndex = new TransactionIndex();
        PartitionStateMachine follower = machine(followerIndex); // same log: the snapshot covers it
        follower.installSnapshot(1, chunks);
        assertEquals(3, followerIndex.view("t", 0).lastStableOffset());
        assertTrue(followerIndex.view("t", 0).aborted(1, 0));
        follower.apply(2, PartitionStateMachine.encode(-1, List.of(marker(2, StoredRecordLayout.MARKER_COMMIT))));
        assertEquals(Long.MAX_VALUE, followerIndex.view("t", 0).lastStableOffset());
    }

    @Test
    void aSnapshotWithoutTheTransactionsSectionMeansNoneOpen() {
        TransactionIndex index = new TransactionIndex();
        PartitionStateMachine sm = machine(index);
        sm.apply(1, PartitionStateMachine.encode(-1, List.of(txn(3, "open"))));
        assertEquals(0, index.view("t", 0).lastStableOffset());
        sm.installSnapshot(1, List.of(ByteBuffer.allocate(8).putLong(0, 1).array()));
        assertEquals(Long.MAX_VALUE, index.view("t", 0).lastStableOffset());
    }

    @Test
    void aRestartedReplicaHoldsReadersBackUntilItsReplayReachesTheRecordsItsLogAlreadyHolds() {
        PartitionStateMachine before = machine(new TransactionIndex());
        byte[] first = PartitionStateMachine.encode(-1, List.of(txn(4, "x"), marker(4, StoredRecordLayout.MARKER_ABORT)));
        byte[] second = PartitionStateMachine.encode(-1, List.of(record("plain")));
        before.apply(1, first);
        before.apply(2, second);

        TransactionIndex index = new TransactionIndex(); // the restart: the log keeps its 3 records, memory is empty
        PartitionStateMachine after = machine(index);
        assertEquals(0, index.view("t", 0).bound(3), "nothing is readable before the replay");
        after.apply(1, first);
        assertEquals(2, index.view("t", 0).bound(3));
        assertTrue(index.view("t", 0).aborted(4, 0), "the replay re-learned the abort");
        after.apply(2, second);
        assertEquals(3, index.view("t", 0).bound(3));
    }
}
