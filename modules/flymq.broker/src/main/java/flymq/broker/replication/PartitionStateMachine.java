package flymq.broker.replication;

import flymq.broker.delay.PartitionSchedule;
import flymq.broker.produce.ProducerBatch;
import flymq.broker.produce.ProducerSequences;
import flymq.broker.txn.ReplicaTransactions;
import flymq.protocol.record.StoredRecordLayout;
import flymq.raft.ReplicatedStateMachine;
import flymq.storage.CorruptRecordException;
import flymq.storage.Header;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.storage.StoredRecords;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntToLongFunction;
import java.util.zip.CRC32C;

/**
 * One partition's replicated log: every replica appends each committed batch to its own {@link PartitionLog}, so
 * all replicas hold the same records at the same offsets. The result of applying a batch is its base offset.
 *
 * <p><b>Command</b> (one produced batch, big-endian): {@code i32 -2 (format 2) · i64 expected_base · i32 count ·
 * count × record}; the older format 1 is {@code i32 count · count × record} (no expected base; still decoded, so a
 * Raft log written before format 2 replays). {@code record} = {@code i64 timestamp · i32 key_len (-1 = no key) ·
 * key · i32 value_len · value · u16 headers · headers × (utf key · i32 len · bytes)}. Format 3 ({@code i32 -3}, then
 * as format 2) adds {@code i64 expires_at} (0 = never) after each record's headers; it is written only for a batch
 * with an expiring (TTL) record, so batches without one keep format 2's bytes. {@code expected_base} is -1
 * or the offset the leader already promised the batch's first record (acks leader/none answer before the commit):
 * a batch whose expected base is not where the log stands is rejected by every replica alike
 * ({@link OffsetMismatch}), so a promised offset never ends up holding another record. Format 4 ({@code i32 -4 ·
 * i64 expected_base · i64 producer_id · i32 first_sequence · u8 expiring · i32 count · count × record}, with
 * format 3's {@code expires_at} per record when {@code expiring} is 1) is a batch of an idempotent producer: if the
 * partition's {@link ProducerSequences} show that producer appended this batch (same first sequence and count)
 * already, the entry appends nothing and its result is the first append's base offset. Every replica decides alike,
 * since the table is built from the same entries in the same order.
 *
 * <p>Format 8 ({@code i32 -8 · i64 expected_base · i64 producer_id (-1: none) · i32 first_sequence (-1: none) ·
 * i32 count · count × stored record}) is what a leader proposes: each record already in the layout of a segment
 * file ({@link StoredRecordLayout}; its offset field holds its index in the batch), so every replica stores the batch
 * with one copy, writing each record's offset and CRC (the CRC field the leader wrote is not relied on: the Raft
 * frame and log entry carry their own checksums)
 * ({@link PartitionLog#appendStored}), instead of decoding it into records and encoding those again. Formats 1-4
 * are still applied (a Raft log written before format 8 replays; RELEASE embeds format 2/3). A node that does not
 * know format 8 cannot follow a leader that writes it: all nodes of a cluster run the same version.
 *
 * <p><b>Snapshot</b> (one chunk): {@code i64 next_offset}, the log end the snapshot stands for, followed by the
 * {@link ProducerSequences} table when it is not empty (a chunk of exactly 8 bytes has an empty table). The records
 * themselves stay in the partition log, which is flushed before the snapshot lets MicroRaft drop the entries. A
 * replica that installs a snapshot beyond its own log end (it was stopped or cut off while the leader compacted
 * its Raft log) copies the missing records from the group's leader through the {@link CatchUp} before it applies
 * anything newer. A second chunk, present when the partition has open or retained aborted transactions, is the
 * {@link ReplicaTransactions} section; a snapshot without it means none.
 *
 * <p><b>Transactions.</b> Each applied batch also teaches the partition's {@link ReplicaTransactions} which
 * transactions its records open and which its markers end, so read-committed readers of every replica see the same
 * last stable offset and hidden ranges (docs/transactions.md, "In a cluster").
 *
 * <p><b>Delayed delivery.</b> Formats -5 (SCHEDULE) and -6 (CANCEL) change the partition's
 * {@link PartitionSchedule} and append nothing (result: the delay id, or the cancel's outcome). Format -7 (RELEASE:
 * {@code i32 -7 · i64 retire_minute (-1: none) · i32 n · n × (i64 due · i64 delay_id) · a format 2/3 batch command
 * of the n records}) appends those of its records the schedule has neither released before nor seen cancelled, and
 * moves the schedule's release mark in the same entry, so a record is appended once whoever proposes it again
 * (docs/delayed-and-ttl.md, "In a cluster"). Its result is the number of records it appended.
 * With a schedule, the snapshot has three chunks: the second is the transactions section or empty, the third the
 * schedule's section ({@link PartitionSchedule#writeSnapshot}).
 *
 * <p><b>Replay.</b> {@code nextOffset} counts the records the group has committed so far (from the snapshot plus
 * the replayed entries). After a restart the local log usually already holds a replayed batch: records below the
 * log's end are skipped, so nothing is appended twice; records lost from an unflushed log tail are appended again.
 */
final class PartitionStateMachine implements ReplicatedStateMachine<Long> {
    private static final System.Logger LOG = System.getLogger(PartitionStateMachine.class.getName());

    private static final int FORMAT_2 = -2;
    private static final int FORMAT_3 = -3;
    private static final int FORMAT_4 = -4;
    static final int FORMAT_STORED = -8;
    /** Bytes of a format 8 command before its records. */
    private static final int STORED_HEADER = 4 + 8 + 8 + 4 + 4;

    /** A batch rejected because the offset promised for it is no longer where the partition's log stands. */
    static final class OffsetMismatch extends RuntimeException {
        OffsetMismatch(String message) {
            super(message, null, false, false);
        }
    }

    /** Copies the records {@code [from, to)} of the partition from another replica into {@code log}. */
    interface CatchUp {
        void copy(PartitionLog log, long from, long to);
    }

    /** A decoded command: the batch, the base offset promised for it (-1: none) and its producer. */
    record Command(long expectedBase, List<Record> batch, ProducerBatch producer) {
    }

    private final String name;
    private final PartitionLog log;
    private final CatchUp catchUp;
    private final java.util.function.LongConsumer pace;
    private final ReplicaTransactions transactions;
    private final PartitionSchedule schedule;
    /** Touched by the group's Raft thread only (apply, snapshots). */
    private ProducerSequences producers = new ProducerSequences();
    private volatile long nextOffset;
    /** The partition log's end when this replica started: below it the log holds records not yet replayed. */
    private final long replayEnd;
    /** Set while a snapshot install copies the records behind the snapshot: the log is not complete yet. */
    private volatile boolean copying;

    PartitionStateMachine(String name, PartitionLog log, CatchUp catchUp) {
        this(name, log, catchUp, null);
    }

    /** @param transactions where the partition's transactions are published, or null (tests without readers) */
    PartitionStateMachine(String name, PartitionLog log, CatchUp catchUp, ReplicaTransactions transactions) {
        this(name, log, catchUp, transactions, bytes -> { });
    }

    /** @param pace called with each entry's size before it is applied: a learner waits there for its throttle */
    PartitionStateMachine(String name, PartitionLog log, CatchUp catchUp, ReplicaTransactions transactions,
                          java.util.function.LongConsumer pace) {
        this(name, log, catchUp, transactions, pace, null);
    }

    /** @param schedule the partition's delayed-delivery schedule on this replica, or null (no delayed commands) */
    PartitionStateMachine(String name, PartitionLog log, CatchUp catchUp, ReplicaTransactions transactions,
                          java.util.function.LongConsumer pace, PartitionSchedule schedule) {
        this.schedule = schedule;
        this.name = name;
        this.log = log;
        this.catchUp = catchUp;
        this.transactions = transactions;
        this.pace = pace;
        this.replayEnd = log.endOffset();
    }

    /**
     * Whether this replica's log may answer reads: it is not copying records behind an installed snapshot, and its
     * replay after a restart reached the log end it started with (until then the records beyond the replay are in
     * the log but their transactions are not known, so read-committed readers are held back at the replay). A
     * replica that is not ready answers no read as if it had nothing more to give.
     */
    boolean ready() {
        return !copying && nextOffset >= replayEnd;
    }

    /** The offset the next committed batch will start at, as far as this replica has applied the group's log. */
    long nextOffset() {
        return nextOffset;
    }

    @Override
    public Long apply(long commitIndex, byte[] bytes) {
        pace.accept(bytes.length);
        int format = bytes.length >= 4 ? ByteBuffer.wrap(bytes).getInt(0) : 0;
        if (format == PartitionSchedule.SCHEDULE || format == PartitionSchedule.CANCEL) {
            return requireSchedule(commitIndex).apply(bytes);
        }
        if (format == PartitionSchedule.RELEASE) {
            return release(commitIndex, bytes);
        }
        if (format == FORMAT_STORED) {
            return applyStored(commitIndex, bytes);
        }
        Command command = decodeCommand(bytes);
        List<Record> batch = command.batch();
        long base = nextOffset;
        long earlier = producers.duplicateOf(command.producer(), batch.size());
        if (earlier >= 0) {
            return earlier; // a retry of a batch this partition holds: answered, not appended again
        }
        requirePromised(commitIndex, command.expectedBase(), base);
        append(commitIndex, batch, base);
        producers.appended(command.producer(), batch.size(), base);
        return base;
    }

    /**
     * A format 8 batch: appended as it lies in the command, unless a record of it opens or ends a transaction (the
     * replica's transactions learn from the records, so that batch is decoded).
     */
    private long applyStored(long commitIndex, byte[] bytes) {
        if (bytes.length < STORED_HEADER) {
            throw new IllegalArgumentException("damaged record batch command (" + bytes.length + " bytes): shorter "
                    + "than its header");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        long expectedBase = in.getLong(4);
        ProducerBatch producer = producerOf(in.getLong(12), in.getInt(20));
        int count = in.getInt(24);
        if (count <= 0 || count > bytes.length / StoredRecordLayout.MIN_RECORD_SIZE) {
            throw new IllegalArgumentException("damaged record batch command (" + bytes.length + " bytes): record "
                    + "count " + count);
        }
        long base = nextOffset;
        long earlier = producers.duplicateOf(producer, count);
        if (earlier >= 0) {
            return earlier;
        }
        requirePromised(commitIndex, expectedBase, base);
        // the records' bit flags, each record's length checked on the way
        int attributes = 0;
        int p = STORED_HEADER;
        for (int i = 0; i < count; i++) {
            int length = p <= bytes.length - StoredRecordLayout.LENGTH_SIZE ? in.getInt(p) : -1;
            if (length < StoredRecordLayout.MIN_RECORD_SIZE - StoredRecordLayout.LENGTH_SIZE
                    || length > bytes.length - p - StoredRecordLayout.LENGTH_SIZE) {
                throw new IllegalArgumentException("damaged record batch command (" + bytes.length + " bytes): "
                        + "record " + i + " of " + count + " at byte " + p + " has length " + length);
            }
            attributes |= bytes[p + StoredRecordLayout.ATTRIBUTES_POS];
            p += StoredRecordLayout.LENGTH_SIZE + length;
        }
        if (p != bytes.length) {
            throw new IllegalArgumentException("damaged record batch command (" + bytes.length + " bytes): "
                    + (bytes.length - p) + " trailing bytes");
        }
        if (transactions != null
                && (attributes & (StoredRecordLayout.TRANSACTIONAL | StoredRecordLayout.CONTROL)) != 0) {
            append(commitIndex, decodeStored(bytes, count), base);
        } else {
            appendMissing(commitIndex, base, count, present -> {
                int from = STORED_HEADER;
                for (int i = 0; i < present; i++) { // a replay: the log holds the first records already
                    from += StoredRecordLayout.LENGTH_SIZE + in.getInt(from);
                }
                return log.appendStored(ByteBuffer.wrap(bytes, from, bytes.length - from), count - present);
            });
            if (transactions != null) {
                transactions.appliedTo(nextOffset);
            }
        }
        producers.appended(producer, count, base);
        return base;
    }

    private static ProducerBatch producerOf(long producerId, int firstSequence) {
        return producerId == ProducerBatch.NONE.producerId() && firstSequence == ProducerBatch.NONE.firstSequence()
                ? ProducerBatch.NONE : new ProducerBatch(producerId, firstSequence);
    }

    /** The records of a format 8 command, each checked (its CRC too). */
    private static List<Record> decodeStored(byte[] command, int count) {
        List<Record> records;
        try {
            records = StoredRecords.decodeRecords(
                    ByteBuffer.wrap(command, STORED_HEADER, command.length - STORED_HEADER));
        } catch (CorruptRecordException e) {
            throw new IllegalArgumentException("damaged record batch command (" + command.length + " bytes): "
                    + e.getMessage(), e);
        }
        if (records.size() != count) {
            throw new IllegalArgumentException("damaged record batch command (" + command.length + " bytes): "
                    + records.size() + " records where the header says " + count);
        }
        return records;
    }

    /**
     * The format 8 command a leader proposes for {@code batch}: the records in the stored layout, each with its
     * index in the batch as its offset.
     */
    static byte[] encodeStored(long expectedBase, List<Record> batch, ProducerBatch producer) {
        long size = STORED_HEADER;
        for (int i = 0; i < batch.size(); i++) {
            Record r = batch.get(i);
            size += StoredRecordLayout.sizeOf(r.key(), r.value(), r.headers(), Header::key, Header::value,
                    r.expiresAt());
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a batch of " + batch.size() + " records encodes to " + size
                    + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size);
        out.putInt(FORMAT_STORED).putLong(expectedBase).putLong(producer.producerId())
                .putInt(producer.firstSequence()).putInt(batch.size());
        CRC32C crc = new CRC32C();
        for (int i = 0; i < batch.size(); i++) {
            Record r = batch.get(i);
            StoredRecordLayout.encode(out, crc, i, r.timestamp(), r.key(), r.value(), r.headers(), Header::key,
                    Header::value, r.expiresAt());
        }
        // the size is an upper bound: a header name with an unpaired surrogate is written shorter (as '?')
        return out.position() == out.capacity() ? out.array() : java.util.Arrays.copyOf(out.array(), out.position());
    }

    private PartitionSchedule requireSchedule(long commitIndex) {
        if (schedule == null) {
            throw new IllegalStateException("partition " + name + ": Raft entry " + commitIndex + " is a delayed-"
                    + "delivery command and this replica keeps no schedule");
        }
        return schedule;
    }

    /** A RELEASE: the schedule picks the records not released or cancelled yet, appended in this same entry. */
    private long release(long commitIndex, byte[] bytes) {
        Release r = decodeRelease(bytes);
        boolean[] append = requireSchedule(commitIndex).applyRelease(r.dues(), r.ids(), r.retireMinute());
        List<Record> batch = new ArrayList<>();
        for (int i = 0; i < append.length; i++) {
            if (append[i]) {
                batch.add(r.records().get(i));
            }
        }
        if (!batch.isEmpty()) {
            append(commitIndex, batch, nextOffset);
        }
        return (long) batch.size();
    }

    /** Appends a committed batch at {@code base} (skipping what a replayed log holds already). */
    private void append(long commitIndex, List<Record> batch, long base) {
        if (transactions != null) {
            transactions.beforeAppend(batch, base);
        }
        appendMissing(commitIndex, base, batch.size(), present -> log.append(batch.subList(present, batch.size())));
        if (transactions != null) {
            transactions.afterAppend(batch, base);
            transactions.appliedTo(nextOffset);
        }
    }

    private void requirePromised(long commitIndex, long expectedBase, long base) {
        if (expectedBase >= 0 && expectedBase != base) {
            throw new OffsetMismatch("partition " + name + ": Raft entry " + commitIndex + " was promised base offset "
                    + expectedBase + " but the log continues at " + base + "; batch rejected");
        }
    }

    /**
     * Appends the records of a batch at {@code base} that the log does not hold yet (after a restart it may hold the
     * first ones already) and moves {@link #nextOffset} past the batch. {@code appendFrom} appends the batch's records
     * from the given index on and returns the offset the log gave the first.
     */
    private void appendMissing(long commitIndex, long base, int count, IntToLongFunction appendFrom) {
        long end = log.endOffset();
        int present = (int) Math.max(0, Math.min(count, end - base));
        if (present < count) {
            if (base + present != end) {
                throw new IllegalStateException("partition " + name + " log ends at offset " + end
                        + " but Raft entry " + commitIndex + " continues at offset " + (base + present)
                        + ": records are missing from this replica's log");
            }
            long appended = appendFrom.applyAsLong(present);
            if (appended != base + present) {
                throw new IllegalStateException("partition " + name + " appended Raft entry " + commitIndex
                        + " at offset " + appended + ", expected " + (base + present));
            }
        }
        nextOffset = base + count;
    }

    /** A decoded RELEASE command. */
    record Release(long retireMinute, long[] dues, long[] ids, List<Record> records) {
    }

    static byte[] encodeRelease(long retireMinute, long[] dues, long[] ids, List<Record> records) {
        byte[] batch = encode(-1, records);
        ByteBuffer b = ByteBuffer.allocate(16 + 16 * ids.length + batch.length);
        b.putInt(PartitionSchedule.RELEASE).putLong(retireMinute).putInt(ids.length);
        for (int i = 0; i < ids.length; i++) {
            b.putLong(dues[i]).putLong(ids[i]);
        }
        return b.put(batch).array();
    }

    static Release decodeRelease(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            b.getInt();
            long retire = b.getLong();
            int n = b.getInt();
            if (n < 0 || n > b.remaining() / 16) {
                throw new IllegalArgumentException("record count " + n);
            }
            long[] dues = new long[n];
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                dues[i] = b.getLong();
                ids[i] = b.getLong();
            }
            byte[] rest = new byte[b.remaining()];
            b.get(rest);
            List<Record> records = decode(rest);
            if (records.size() != n) {
                throw new IllegalArgumentException(n + " ids for " + records.size() + " records");
            }
            return new Release(retire, dues, ids, records);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("damaged release command (" + bytes.length + " bytes)", e);
        }
    }

    @Override
    public void takeSnapshot(long commitIndex, Consumer<byte[]> chunks) {
        log.flush(); // the entries below the snapshot are about to be dropped: their records must be on disk
        if (producers.isEmpty()) {
            chunks.accept(ByteBuffer.allocate(8).putLong(0, nextOffset).array());
        } else {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeLong(nextOffset);
                producers.write(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            chunks.accept(bytes.toByteArray());
        }
        boolean scheduleSection = schedule != null && !schedule.isEmpty();
        byte[] transactionsSection = new byte[0];
        if (transactions != null) {
            transactions.prune(log.startOffset());
            if (!transactions.isEmpty()) {
                ByteArrayOutputStream section = new ByteArrayOutputStream();
                try (DataOutputStream out = new DataOutputStream(section)) {
                    transactions.write(out);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                transactionsSection = section.toByteArray();
            }
        }
        if (transactionsSection.length > 0 || scheduleSection) {
            chunks.accept(transactionsSection); // empty: no transactions, a schedule follows
        }
        if (scheduleSection) {
            ByteArrayOutputStream section = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(section)) {
                schedule.writeSnapshot(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            chunks.accept(section.toByteArray());
        }
    }

    @Override
    public void installSnapshot(long commitIndex, List<byte[]> chunks) {
        if (chunks.isEmpty() || chunks.size() > 3 || chunks.get(0).length < 8) {
            throw new IllegalArgumentException("partition " + name + ": snapshot at Raft index " + commitIndex
                    + " has " + chunks.size() + " chunk(s), first of " + (chunks.isEmpty() ? 0 : chunks.get(0).length)
                    + " bytes; expected one chunk of at least 8 bytes (i64 next_offset, producer table) and "
                    + "optionally the transactions and schedule sections");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(chunks.get(0)));
        long offset;
        ProducerSequences table = new ProducerSequences();
        try {
            offset = in.readLong();
            if (in.available() > 0) {
                table.read(in);
            }
            if (in.available() > 0) {
                throw new IOException(in.available() + " trailing bytes");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("partition " + name + ": damaged snapshot at Raft index "
                    + commitIndex + ": " + e.getMessage(), e);
        }
        long end = log.endOffset();
        if (end < offset) {
            LOG.log(System.Logger.Level.INFO, "partition " + name + ": snapshot at Raft index " + commitIndex
                    + " stands for records up to offset " + offset + ", this replica's log ends at " + end
                    + "; copying offsets " + end + ".." + (offset - 1) + " from the leader");
            copying = true; // stays set if the copy fails: this log must not answer reads as if complete
            catchUp.copy(log, end, offset);
            log.flush();
            copying = false;
        }
        nextOffset = offset;
        producers = table;
        if (transactions != null) {
            try {
                transactions.read(chunks.size() < 2 || chunks.get(1).length == 0 ? null
                        : new DataInputStream(new ByteArrayInputStream(chunks.get(1))));
                transactions.appliedTo(nextOffset);
            } catch (IOException e) {
                throw new IllegalArgumentException("partition " + name + ": damaged transactions section in the "
                        + "snapshot at Raft index " + commitIndex + ": " + e.getMessage(), e);
            }
        }
        if (schedule != null) {
            try {
                schedule.readSnapshot(chunks.size() < 3 ? null
                        : new DataInputStream(new ByteArrayInputStream(chunks.get(2))));
            } catch (IOException e) {
                throw new IllegalArgumentException("partition " + name + ": cannot install the schedule section of "
                        + "the snapshot at Raft index " + commitIndex + ": " + e.getMessage(), e);
            }
        }
    }

    static byte[] encode(List<Record> batch) {
        return encode(-1, batch);
    }

    static byte[] encode(long expectedBase, List<Record> batch) {
        return encode(expectedBase, batch, ProducerBatch.NONE);
    }

    /**
     * About the size of the batch's command (format 8, header names and values left out): what admission counts
     * while the batch waits for its commit.
     */
    static int encodedSize(List<Record> batch) {
        int size = STORED_HEADER;
        for (Record r : batch) {
            size += StoredRecordLayout.MIN_RECORD_SIZE + (r.key() == null ? 0 : r.key().length) + r.value().length;
        }
        return size;
    }

    /** The command of a batch; format 4 when {@code producer} is identified (the others keep their bytes). */
    static byte[] encode(long expectedBase, List<Record> batch, ProducerBatch producer) {
        // sized exactly, then filled: the leader encodes every batch on the producer's connection thread, where a
        // DataOutputStream over a growing ByteArrayOutputStream cost a synchronized call per field plus copies
        boolean expiring = false;
        int size = producer.identified() ? 4 + 8 + 8 + 4 + 1 + 4 : 4 + 8 + 4;
        byte[][][] headerKeys = null; // per record and header: the key as writeUTF writes it
        for (int i = 0; i < batch.size(); i++) {
            Record r = batch.get(i);
            expiring |= r.expiresAt() != Record.NO_EXPIRY;
            size += 8 + 4 + (r.key() == null ? 0 : r.key().length) + 4 + r.value().length + 2;
            List<Header> hs = r.headers();
            if (!hs.isEmpty()) {
                headerKeys = headerKeys == null ? new byte[batch.size()][][] : headerKeys;
                headerKeys[i] = new byte[hs.size()][];
                for (int h = 0; h < hs.size(); h++) {
                    headerKeys[i][h] = utf(hs.get(h).key());
                    size += headerKeys[i][h].length + 4 + hs.get(h).value().length;
                }
            }
        }
        if (expiring) {
            size += 8 * batch.size();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        if (producer.identified()) {
            out.putInt(FORMAT_4).putLong(expectedBase).putLong(producer.producerId()).putInt(producer.firstSequence())
                    .put((byte) (expiring ? 1 : 0));
        } else {
            out.putInt(expiring ? FORMAT_3 : FORMAT_2).putLong(expectedBase);
        }
        out.putInt(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Record r = batch.get(i);
            out.putLong(r.timestamp());
            if (r.key() == null) {
                out.putInt(-1);
            } else {
                out.putInt(r.key().length).put(r.key());
            }
            out.putInt(r.value().length).put(r.value());
            List<Header> hs = r.headers();
            out.putShort((short) hs.size());
            for (int h = 0; h < hs.size(); h++) {
                out.put(headerKeys[i][h]).putInt(hs.get(h).value().length).put(hs.get(h).value());
            }
            if (expiring) {
                out.putLong(r.expiresAt());
            }
        }
        return out.array();
    }

    /** A header key as {@link DataOutputStream#writeUTF} writes it (u16 length, modified UTF-8). */
    private static byte[] utf(String key) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(2 + key.length());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a key over 65,535 bytes: refused as the stream always refused it
        }
        return bytes.toByteArray();
    }

    static List<Record> decode(byte[] command) {
        return decodeCommand(command).batch();
    }

    static Command decodeCommand(byte[] command) {
        // a ByteBuffer rather than a DataInputStream: every replica decodes every batch, and the stream stack pays
        // a synchronized ByteArrayInputStream call per field (about 5% of a leader's CPU under acks=all load)
        ByteBuffer in = ByteBuffer.wrap(command);
        if (command.length >= STORED_HEADER && in.getInt(0) == FORMAT_STORED) {
            return new Command(in.getLong(4), decodeStored(command, in.getInt(24)),
                    producerOf(in.getLong(12), in.getInt(20)));
        }
        try {
            int count = in.getInt();
            long expectedBase = -1;
            boolean expiring = count == FORMAT_3;
            ProducerBatch producer = ProducerBatch.NONE;
            if (count == FORMAT_4) {
                expectedBase = in.getLong();
                producer = new ProducerBatch(in.getLong(), in.getInt());
                int flag = Byte.toUnsignedInt(in.get());
                if (flag > 1) {
                    throw new IOException("expiring flag " + flag);
                }
                expiring = flag == 1;
                count = in.getInt();
            } else if (count == FORMAT_2 || count == FORMAT_3) {
                expectedBase = in.getLong();
                count = in.getInt();
            }
            if (count < 0 || count > command.length) {
                throw new IOException("record count " + count + " impossible in " + command.length + " bytes");
            }
            List<Record> batch = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long ts = in.getLong();
                byte[] key = readBytes(in, true);
                byte[] value = readBytes(in, false);
                int headers = Short.toUnsignedInt(in.getShort());
                List<Header> hs = headers == 0 ? List.of() : new ArrayList<>(headers);
                for (int h = 0; h < headers; h++) {
                    hs.add(new Header(readUtf(in), readBytes(in, false)));
                }
                long expiresAt = expiring ? in.getLong() : Record.NO_EXPIRY;
                if (expiresAt < 0) {
                    throw new IOException("record " + i + " expires at " + expiresAt);
                }
                batch.add(new Record(ts, key, value, headers == 0 ? hs : List.copyOf(hs), expiresAt));
            }
            if (in.hasRemaining()) {
                throw new IOException(in.remaining() + " trailing bytes");
            }
            return new Command(expectedBase, batch, producer);
        } catch (IOException | BufferUnderflowException e) {
            throw new IllegalArgumentException("damaged record batch command (" + command.length + " bytes): "
                    + (e instanceof BufferUnderflowException ? new EOFException() : e), e);
        }
    }

    private static byte[] readBytes(ByteBuffer in, boolean nullable) throws IOException {
        int len = in.getInt();
        if (len == -1 && nullable) {
            return null;
        }
        if (len < 0 || len > in.remaining()) {
            throw new IOException("length " + len + " with " + in.remaining() + " bytes left");
        }
        byte[] bytes = new byte[len];
        in.get(bytes);
        return bytes;
    }

    /** A header key as {@link java.io.DataOutputStream#writeUTF} wrote it (u16 length, modified UTF-8). */
    private static String readUtf(ByteBuffer in) throws IOException {
        if (in.remaining() < 2) {
            throw new EOFException();
        }
        int len = Short.toUnsignedInt(in.getShort(in.position()));
        if (len > in.remaining() - 2) {
            throw new IOException("header key of " + len + " bytes with " + (in.remaining() - 2) + " bytes left");
        }
        String key = DataInputStream.readUTF(new DataInputStream(
                new ByteArrayInputStream(in.array(), in.arrayOffset() + in.position(), 2 + len)));
        in.position(in.position() + 2 + len);
        return key;
    }
}
