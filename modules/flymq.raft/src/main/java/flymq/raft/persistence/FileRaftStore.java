package flymq.raft.persistence;

import flymq.raft.RaftStoreKey;
import flymq.raft.codec.MalformedRaftDataException;
import flymq.raft.codec.RaftModelCodec;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.log.SnapshotEntry;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.microraft.persistence.RaftStore;
import io.microraft.persistence.RestoredRaftState;

import java.io.Closeable;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.CRC32C;

/**
 * MicroRaft's {@link RaftStore} on local files: what a Raft node must remember across a restart (its identity, the
 * initial members, term and vote, the log and the latest snapshot), in one data directory per Raft group.
 *
 * <p><b>Files.</b> {@code raft-NNNNNNNNNNNNNNNNNNNN.log}, the record log of generation N (20 digits); only the highest
 * survives. A log of version 2 holds everything, the member's identity, initial members and term included, so one
 * fdatasync makes all of it durable. A log of version 1 (written before version 2 existed, and still continued as
 * version 1) keeps those three beside it in files:
 * <pre>
 * endpoint.state   local member and voting flag        (version 1 only; written once, atomically)
 * members.state    initial group members view          (version 1 only; written once, atomically)
 * term.state       current term and vote               (version 1 only; replaced atomically on every change)
 * </pre>
 * A {@code .state} file is {@code int32 magic 0x464C5953 ("FLYS"), int32 length, payload, int32 CRC-32C(payload)};
 * it is written to {@code name.tmp}, forced, renamed over the old file and the directory is forced, so a crash
 * leaves either the old or the new value. Payloads use {@link RaftModelCodec}'s {@code endpointState},
 * {@code view} and {@code termState}.
 *
 * <p>A log file starts with {@code int32 magic 0x464C594C ("FLYL"), int32 version (1 or 2)} followed by records
 * {@code int32 length, int32 CRC-32C(payload), payload} where payload is {@code int8 type} and:
 * <pre>
 * 1 ENTRY            logEntry (codec)          an appended entry; replaces any entry at or above its index
 * 2 SNAPSHOT_CHUNK   chunk (codec)             one chunk of the snapshot at chunk.index
 * 3 TRUNCATE_FROM    int64 index               entries at index and above are void
 * 4 TRUNCATE_UNTIL   int64 index               entries at index and below are no longer needed
 * 5 DELETE_SNAPSHOT  int64 index               the incomplete snapshot at index is void
 * 6 SEALED_ENTRY     sealed logEntry           ENTRY encrypted at rest ({@link RecordSealer} owns the format)
 * 7 SEALED_CHUNK     sealed chunk              SNAPSHOT_CHUNK encrypted at rest
 * 8 ENDPOINT         endpointState (codec)     the local member and its voting flag; the last one counts (version 2)
 * 9 MEMBERS          view (codec)              the initial group members; the last one counts (version 2)
 * 10 TERM            termState (codec)         the current term and vote; the last one counts (version 2)
 * </pre>
 * A store opened with a {@link RaftStoreKey} writes types 6 and 7 instead of 1 and 2 (the others carry only
 * indexes, members and terms); a store without one refuses to open a log holding them, and one with another key fails
 * naming both key ids: neither is mistaken for a torn tail, which would truncate the log. A version 1 reader refuses a
 * version 2 log by its header rather than truncating at the first record type it does not know. Files are created
 * 0600, the directory 0700.
 * Records are buffered and reach the disk on {@link #flush()} (write + fdatasync), which MicroRaft calls before a
 * follower acknowledges entries and before a leader counts its own entries towards a commit; a term or vote is
 * written and flushed the same way before {@code persistAndFlushTerm} returns (MicroRaft answers a vote after it).
 *
 * <p><b>A new store is made durable at its first flush, not at its creation.</b> Opening an empty directory writes
 * the version 2 header, and MicroRaft's first two calls (identity and initial members) only buffer their records: no
 * fsync. The first {@code persistAndFlushTerm} or {@link #flush()} writes them with whatever follows, fdatasyncs the
 * log, then fsyncs the group's directory (the log file's name) and its parent (the directory's name; concurrent
 * stores share that fsync, {@link DirectorySync}). This is safe because nothing the member has done before its first
 * flush is visible outside the process: it has not voted (a vote is persisted first), acknowledged an entry (flushed
 * first) or become a candidate (its own vote is persisted first). A crash before that leaves an empty or partial
 * directory, which reopens as a new store (a log shorter than its header, or without its identity record, that holds
 * nothing else); the owner starts the member again with the same initial members (the broker takes them from the
 * metadata log), as if the first start had never happened. Each new partition replica so costs one fdatasync and
 * two directory fsyncs instead of six fsyncs before its first election and two per term change after.
 *
 * <p><b>Compaction.</b> Once every chunk of a snapshot has been persisted and flushed, the next flush writes
 * generation N+1 holding only the latest identity, members and term records (version 2), that snapshot's chunk records
 * and the entries above it (copied byte for byte), forces it, renames it into place, forces the directory and deletes
 * generation N. The log on disk therefore stays within one snapshot plus MicroRaft's in-memory log window.
 *
 * <p><b>Recovery</b> ({@link #open}) replays the highest generation. A record that is short, fails its CRC or
 * does not decode ends the log: it is the torn tail of a write that was never flushed, hence never acknowledged,
 * and the file is truncated there with a warning naming the file and offset. Surviving entries above the
 * snapshot must be consecutive; a gap raises {@link CorruptRaftStoreException} rather than restarting a node
 * with holes in its log.
 */
public final class FileRaftStore implements RaftStore, Closeable {

    static final int STATE_MAGIC = 0x464C5953;
    static final int LOG_MAGIC = 0x464C594C;
    /** Identity, members and term in state files beside the log. */
    static final int LOG_VERSION_1 = 1;
    /** Identity, members and term as records of the log (new stores). */
    static final int LOG_VERSION = 2;
    static final int LOG_HEADER_BYTES = 8;
    static final int MAX_RECORD_BYTES = 256 * 1024 * 1024;

    static final byte ENTRY = 1;
    static final byte SNAPSHOT_CHUNK = 2;
    static final byte TRUNCATE_FROM = 3;
    static final byte TRUNCATE_UNTIL = 4;
    static final byte DELETE_SNAPSHOT = 5;
    static final byte SEALED_ENTRY = 6;
    static final byte SEALED_CHUNK = 7;
    static final byte ENDPOINT = 8;
    static final byte MEMBERS = 9;
    static final byte TERM = 10;

    private static final System.Logger LOG = System.getLogger(FileRaftStore.class.getName());
    private static final String ENDPOINT_FILE = "endpoint.state";
    private static final String MEMBERS_FILE = "members.state";
    private static final String TERM_FILE = "term.state";

    private final Path dir;
    private final RaftModelCodec codec;
    /**
     * Records written since the last flush. It starts small and keeps at most {@link #PENDING_RETAINED} bytes after
     * a flush: a node holds one store per partition replica, and most of them are idle groups that only ever write a
     * few small records (64 KiB each from the start was most of a node's heap at a few thousand partitions).
     */
    private final RaftModelCodec.Out pending = new RaftModelCodec.Out(512);
    private static final int PENDING_RETAINED = 64 * 1024;
    /**
     * Grown pending buffers handed from one flush to the next write, shared by the node's stores. A loaded group's
     * flush covers several batches of up to 64 KiB: dropping the grown buffer after each flush (the memory bound
     * above) made the next one double its way up again from 64 KiB, over a third of a replica's allocation under
     * acks=all load and, past 512 KiB, humongous G1 allocations. A loaded group borrows a spare for its entries and
     * returns it at the flush, so idle groups still keep their small buffer and the node at most
     * {@link #SPARE_COUNT} x {@link #SPARE_MAX_BYTES} bytes of spares.
     */
    private static final Spares SPARES = new Spares();
    static final int SPARE_COUNT = 4;
    static final int SPARE_MAX_BYTES = 2 * 1024 * 1024;
    /** This store's own buffer while {@link #pending} writes into a borrowed spare, else null. */
    private byte[] parked;
    private final RaftModelCodec.Out scratch = new RaftModelCodec.Out(64);
    private final CRC32C crc = new CRC32C();
    private final Index index = new Index();
    /** Null when the log is not encrypted. */
    private final RecordSealer sealer;
    /** A record's plain payload before it is sealed. */
    private final RaftModelCodec.Out plain = new RaftModelCodec.Out(64);

    private long generation;
    private Path logFile;
    private FileChannel channel;
    private long fileSize;
    private RestoredRaftState restored;
    private boolean rollWanted;
    /** The log's version: 1 keeps identity, members and term in state files, 2 in the log. */
    private int version = LOG_VERSION;
    /** A new store that has not been flushed yet: its directory and the directory's name are not durable. */
    private boolean creationPending;

    private FileRaftStore(Path dir, RaftModelCodec codec, RaftStoreKey key) {
        this.dir = dir;
        this.codec = codec;
        this.sealer = key == null ? null : new RecordSealer(key);
    }

    /**
     * Opens (creating if needed) the store in {@code dir}, replaying what an earlier run left there. The replayed
     * state, if any, is available from {@link #restoredState()} for {@code RaftNodeBuilder.setRestoredState}.
     */
    public static FileRaftStore open(Path dir, RaftModelCodec codec) throws IOException {
        return open(dir, codec, null);
    }

    /** As {@link #open(Path, RaftModelCodec)}, encrypting entries and snapshot chunks with {@code keyOrNull}. */
    public static FileRaftStore open(Path dir, RaftModelCodec codec, RaftStoreKey keyOrNull) throws IOException {
        Files.createDirectories(dir, posix(dir)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
                : new FileAttribute<?>[0]);
        FileRaftStore store = new FileRaftStore(dir, codec, keyOrNull);
        store.recover();
        return store;
    }

    /** The state found on disk at {@link #open}, or empty for a fresh directory. */
    public Optional<RestoredRaftState> restoredState() {
        return Optional.ofNullable(restored);
    }

    public Path directory() {
        return dir;
    }

    // ---------------------------------------------------------------- RaftStore

    @Override
    public void persistAndFlushLocalEndpoint(RaftEndpointPersistentState state) throws IOException {
        if (version == LOG_VERSION_1) {
            scratch.reset();
            codec.writeEndpointState(scratch, state);
            writeStateFile(ENDPOINT_FILE, scratch.toByteArray());
            return;
        }
        int start = beginRecord(ENDPOINT);
        codec.writeEndpointState(pending, state);
        index.endpoint = endRecord(start);
        flushUnlessNew();
    }

    @Override
    public void persistAndFlushInitialGroupMembers(RaftGroupMembersView members) throws IOException {
        if (version == LOG_VERSION_1) {
            scratch.reset();
            codec.writeView(scratch, members);
            writeStateFile(MEMBERS_FILE, scratch.toByteArray());
            return;
        }
        int start = beginRecord(MEMBERS);
        codec.writeView(pending, members);
        index.members = endRecord(start);
        flushUnlessNew();
    }

    @Override
    public void persistAndFlushTerm(RaftTermPersistentState state) throws IOException {
        if (version == LOG_VERSION_1) {
            scratch.reset();
            codec.writeTermState(scratch, state);
            writeStateFile(TERM_FILE, scratch.toByteArray());
            return;
        }
        int start = beginRecord(TERM);
        codec.writeTermState(pending, state);
        index.term = endRecord(start);
        flush();
    }

    /**
     * The identity and initial members of a store that was never flushed stay buffered until its first flush
     * (class comment: nothing is visible outside before it); later changes (a learner promoted) are flushed at once.
     */
    private void flushUnlessNew() throws IOException {
        if (!creationPending) {
            flush();
        }
    }

    @Override
    public void persistLogEntries(List<LogEntry> entries) throws IOException {
        if (parked == null && pending.size() == 0) {
            byte[] spare = SPARES.poll();
            if (spare != null) {
                parked = pending.swap(spare);
            }
        }
        for (LogEntry entry : entries) {
            if (sealer == null) {
                int start = beginRecord(ENTRY);
                codec.writeLogEntry(pending, entry);
                index.entry(entry.getIndex(), endRecord(start));
            } else {
                plain.reset();
                codec.writeLogEntry(plain, entry);
                int start = beginRecord(SEALED_ENTRY);
                pending.putRaw(sealer.seal(SEALED_ENTRY, plain.array(), plain.size()));
                index.entry(entry.getIndex(), endRecord(start));
            }
        }
    }

    @Override
    public void persistSnapshotChunk(SnapshotChunk chunk) throws IOException {
        int start;
        if (sealer == null) {
            start = beginRecord(SNAPSHOT_CHUNK);
            codec.writeSnapshotChunk(pending, chunk);
        } else {
            plain.reset();
            codec.writeSnapshotChunk(plain, chunk);
            start = beginRecord(SEALED_CHUNK);
            pending.putRaw(sealer.seal(SEALED_CHUNK, plain.array(), plain.size()));
        }
        if (index.chunk(chunk.getIndex(), chunk.getSnapshotChunkIndex(), chunk.getSnapshotChunkCount(),
                endRecord(start))) {
            rollWanted = true;
        }
    }

    @Override
    public void truncateLogEntriesFrom(long logIndexInclusive) throws IOException {
        int start = beginRecord(TRUNCATE_FROM);
        pending.putLong(logIndexInclusive);
        endRecord(start);
        index.truncateFrom(logIndexInclusive);
    }

    @Override
    public void truncateLogEntriesUntil(long logIndexInclusive) throws IOException {
        int start = beginRecord(TRUNCATE_UNTIL);
        pending.putLong(logIndexInclusive);
        endRecord(start);
        index.truncateUntil(logIndexInclusive);
    }

    @Override
    public void deleteSnapshotChunks(long logIndex, int snapshotChunkCount) throws IOException {
        int start = beginRecord(DELETE_SNAPSHOT);
        pending.putLong(logIndex);
        endRecord(start);
        index.deleteSnapshot(logIndex);
    }

    @Override
    public void flush() throws IOException {
        writePending();
        channel.force(false);
        if (creationPending) {
            forceDirectory();
            DirectorySync.sync(dir.toAbsolutePath().getParent());
            creationPending = false;
        }
        if (rollWanted) {
            rollWanted = false;
            roll();
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null && channel.isOpen()) {
            try {
                writePending();
                channel.force(false);
            } finally {
                channel.close();
            }
        }
    }

    /** Size of the current log file including unflushed records, for tests and metrics. */
    public long logBytes() {
        return fileSize + pending.size();
    }

    // ---------------------------------------------------------------- record writing

    private int beginRecord(byte type) {
        int start = pending.size();
        pending.putInt(0).putInt(0).putByte(type);
        return start;
    }

    private Extent endRecord(int start) {
        int payloadLength = pending.size() - start - 8;
        crc.reset();
        crc.update(pending.array(), start + 8, payloadLength);
        pending.setInt(start, payloadLength);
        pending.setInt(start + 4, (int) crc.getValue());
        return new Extent(fileSize + start, pending.size() - start);
    }

    private void writePending() throws IOException {
        if (pending.size() == 0) {
            return;
        }
        ByteBuffer buf = ByteBuffer.wrap(pending.array(), 0, pending.size());
        while (buf.hasRemaining()) {
            channel.write(buf, fileSize + buf.position());
        }
        fileSize += pending.size();
        pending.reset();
        if (parked != null) {
            SPARES.offer(pending.swap(parked));
            parked = null;
        } else if (pending.array().length > PENDING_RETAINED) {
            SPARES.offer(pending.swap(new byte[PENDING_RETAINED]));
        }
    }

    /** Spare buffers borrowed by stores, at most {@link #SPARE_COUNT} (one beyond is left to the collector). */
    static final class Spares {
        private final ArrayBlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(SPARE_COUNT);

        byte[] poll() {
            return queue.poll();
        }

        void offer(byte[] b) {
            if (b.length <= SPARE_MAX_BYTES) {
                queue.offer(b);
            }
        }

        int size() {
            return queue.size();
        }
    }

    /** The node-wide spares, for tests. */
    static Spares spares() {
        return SPARES;
    }

    // ---------------------------------------------------------------- compaction

    private void roll() throws IOException {
        long snapshotIndex = index.snapshotIndex;
        long nextGeneration = generation + 1;
        Path next = dir.resolve(logName(nextGeneration));
        Path tmp = dir.resolve(logName(nextGeneration) + ".tmp");
        Index rebuilt = new Index();
        long position = LOG_HEADER_BYTES;
        try (FileChannel out = create(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.allocate(LOG_HEADER_BYTES).putInt(LOG_MAGIC).putInt(version).flip());
            // the latest identity, members and term first (version 2; a version 1 log has none)
            if (index.endpoint != null) {
                copy(index.endpoint, out, position);
                rebuilt.endpoint = new Extent(position, index.endpoint.length());
                position += index.endpoint.length();
            }
            if (index.members != null) {
                copy(index.members, out, position);
                rebuilt.members = new Extent(position, index.members.length());
                position += index.members.length();
            }
            if (index.term != null) {
                copy(index.term, out, position);
                rebuilt.term = new Extent(position, index.term.length());
                position += index.term.length();
            }
            int count = index.snapshotChunks.size();
            for (Map.Entry<Integer, Extent> e : index.snapshotChunks.entrySet()) {
                copy(index.snapshotChunkExtent(e.getKey()), out, position);
                rebuilt.chunk(snapshotIndex, e.getKey(), count, new Extent(position, e.getValue().length()));
                position += e.getValue().length();
            }
            // a newer snapshot may be arriving chunk by chunk while this one completes: keep its chunks too
            for (Map.Entry<Long, TreeMap<Integer, Extent>> partial : index.partialSnapshots.entrySet()) {
                int partialCount = index.partialCounts.get(partial.getKey());
                for (Map.Entry<Integer, Extent> e : partial.getValue().entrySet()) {
                    copy(e.getValue(), out, position);
                    rebuilt.chunk(partial.getKey(), e.getKey(), partialCount, new Extent(position, e.getValue().length()));
                    position += e.getValue().length();
                }
            }
            for (Map.Entry<Long, Extent> e : index.entries.tailMap(snapshotIndex, false).entrySet()) {
                copy(e.getValue(), out, position);
                rebuilt.entry(e.getKey(), new Extent(position, e.getValue().length()));
                position += e.getValue().length();
            }
            out.force(true);
        }
        moveAtomically(tmp, next);
        forceDirectory();
        channel.close();
        Files.deleteIfExists(logFile);
        logFile = next;
        generation = nextGeneration;
        channel = FileChannel.open(next, StandardOpenOption.READ, StandardOpenOption.WRITE);
        fileSize = position;
        index.replaceWith(rebuilt);
    }

    private void copy(Extent from, FileChannel to, long position) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(from.length());
        readFully(channel, buf, from.position());
        buf.flip();
        while (buf.hasRemaining()) {
            to.write(buf, position + buf.position());
        }
    }

    // ---------------------------------------------------------------- recovery

    private void recover() throws IOException {
        List<Path> logs = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.delete(f); // an unfinished atomic write or roll: the previous file is still whole
                } else if (name.matches("raft-\\d{20}\\.log")) {
                    logs.add(f);
                }
            }
        }
        logs.sort(null);
        for (int i = 0; i < logs.size() - 1; i++) {
            Files.delete(logs.get(i)); // superseded by a completed roll that crashed before deleting it
        }
        if (!logs.isEmpty() && neverFlushed(logs.getLast())) {
            // a new store that crashed before its first flush: nothing in it was ever visible (class comment)
            LOG.log(System.Logger.Level.INFO, "Raft log " + logs.getLast() + " was never flushed ("
                    + Files.size(logs.getLast()) + " bytes); starting the store afresh");
            Files.delete(logs.getLast());
            logs.clear();
        }
        if (logs.isEmpty()) {
            // the header is not forced: the first flush syncs it with the first records (class comment)
            generation = 0;
            logFile = dir.resolve(logName(0));
            channel = create(logFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            channel.write(ByteBuffer.allocate(LOG_HEADER_BYTES).putInt(LOG_MAGIC).putInt(LOG_VERSION).flip(), 0);
            fileSize = LOG_HEADER_BYTES;
            creationPending = true;
        } else {
            logFile = logs.getLast();
            String name = logFile.getFileName().toString();
            generation = Long.parseLong(name.substring(5, 25));
            channel = FileChannel.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
            replay();
        }
        restored = buildRestoredState();
    }

    private void replay() throws IOException {
        long size = channel.size();
        ByteBuffer header = ByteBuffer.allocate(LOG_HEADER_BYTES);
        if (size < LOG_HEADER_BYTES || readFully(channel, header, 0) < LOG_HEADER_BYTES) {
            throw new CorruptRaftStoreException("Raft log " + logFile + " is " + size
                    + " bytes, shorter than its " + LOG_HEADER_BYTES + "-byte header");
        }
        header.flip();
        int magic = header.getInt();
        int fileVersion = header.getInt();
        if (magic != LOG_MAGIC || (fileVersion != LOG_VERSION_1 && fileVersion != LOG_VERSION)) {
            throw new CorruptRaftStoreException(String.format(
                    "Raft log %s has magic 0x%08X version %d, expected 0x%08X version %d or %d",
                    logFile, magic, fileVersion, LOG_MAGIC, LOG_VERSION_1, LOG_VERSION));
        }
        version = fileVersion;
        long position = LOG_HEADER_BYTES;
        ByteBuffer recordHeader = ByteBuffer.allocate(8);
        String stopReason = null;
        while (position < size) {
            recordHeader.clear();
            if (readFully(channel, recordHeader, position) < 8) {
                stopReason = "record header cut short";
                break;
            }
            recordHeader.flip();
            int length = recordHeader.getInt();
            int expectedCrc = recordHeader.getInt();
            if (length <= 0 || length > MAX_RECORD_BYTES || position + 8 + length > size) {
                stopReason = "record length " + length + " does not fit in the " + (size - position - 8)
                        + " bytes left";
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            readFully(channel, payload, position + 8);
            crc.reset();
            crc.update(payload.array(), 0, length);
            if ((int) crc.getValue() != expectedCrc) {
                stopReason = String.format("CRC-32C 0x%08X, header says 0x%08X", (int) crc.getValue(), expectedCrc);
                break;
            }
            payload.flip();
            try {
                track(payload, new Extent(position, 8 + length));
            } catch (MalformedRaftDataException | BufferUnderflowException e) {
                stopReason = "undecodable record: " + e.getMessage();
                break;
            }
            position += 8 + length;
        }
        if (stopReason != null) {
            LOG.log(System.Logger.Level.WARNING, "Raft log " + logFile + ": " + stopReason + " at offset " + position
                    + "; truncating " + (size - position) + " unflushed bytes from the tail");
            channel.truncate(position);
            channel.force(true);
        }
        fileSize = position;
    }

    private void track(ByteBuffer payload, Extent extent) throws CorruptRaftStoreException {
        byte type = payload.get();
        if (type == SEALED_ENTRY || type == SEALED_CHUNK) {
            payload = unseal(type, payload, extent);
            type = type == SEALED_ENTRY ? ENTRY : SNAPSHOT_CHUNK;
        }
        switch (type) {
            case ENTRY -> index.entry(codec.readLogEntry(payload).getIndex(), extent);
            case SNAPSHOT_CHUNK -> {
                SnapshotChunk chunk = codec.readSnapshotChunk(payload);
                index.chunk(chunk.getIndex(), chunk.getSnapshotChunkIndex(), chunk.getSnapshotChunkCount(), extent);
            }
            case TRUNCATE_FROM -> index.truncateFrom(payload.getLong());
            case TRUNCATE_UNTIL -> index.truncateUntil(payload.getLong());
            case DELETE_SNAPSHOT -> index.deleteSnapshot(payload.getLong());
            case ENDPOINT -> {
                codec.readEndpointState(payload);
                index.endpoint = extent;
            }
            case MEMBERS -> {
                codec.readView(payload);
                index.members = extent;
            }
            case TERM -> {
                codec.readTermState(payload);
                index.term = extent;
            }
            default -> throw new MalformedRaftDataException("unknown Raft log record type " + type);
        }
    }

    private RestoredRaftState buildRestoredState() throws IOException {
        RaftEndpointPersistentState endpoint;
        RaftGroupMembersView members;
        RaftTermPersistentState term;
        if (version == LOG_VERSION_1) {
            Optional<ByteBuffer> endpointBytes = readStateFile(ENDPOINT_FILE);
            if (endpointBytes.isEmpty()) {
                if (!index.entries.isEmpty() || index.snapshotIndex > 0) {
                    throw new CorruptRaftStoreException("Raft data dir " + dir + " has a log (" + logFile
                            + ") but no " + ENDPOINT_FILE + ": cannot tell which member it belongs to");
                }
                return null;
            }
            endpoint = decodeState(ENDPOINT_FILE, endpointBytes.get(), codec::readEndpointState);
            members = decodeState(MEMBERS_FILE, readStateFile(MEMBERS_FILE).orElseThrow(
                    () -> new CorruptRaftStoreException("Raft data dir " + dir + " has " + ENDPOINT_FILE
                            + " but no " + MEMBERS_FILE)), codec::readView);
            Optional<ByteBuffer> termBytes = readStateFile(TERM_FILE);
            term = termBytes.isPresent()
                    ? decodeState(TERM_FILE, termBytes.get(), codec::readTermState)
                    : codec.factory().createRaftTermPersistentStateBuilder().setTerm(0).setVotedFor(null).build();
        } else {
            if (index.endpoint == null || index.members == null) {
                if (!index.entries.isEmpty() || index.snapshotIndex > 0 || index.term != null) {
                    throw new CorruptRaftStoreException("Raft log " + logFile + " holds entries or a term but no "
                            + (index.endpoint == null ? "identity" : "members") + " record: cannot tell which member "
                            + "it belongs to");
                }
                return null; // nothing was ever flushed beyond the header: a new store
            }
            endpoint = codec.readEndpointState(readRecordPayload(index.endpoint));
            members = codec.readView(readRecordPayload(index.members));
            term = index.term != null ? codec.readTermState(readRecordPayload(index.term))
                    : codec.factory().createRaftTermPersistentStateBuilder().setTerm(0).setVotedFor(null).build();
        }

        SnapshotEntry snapshot = null;
        if (index.snapshotIndex > 0) {
            List<SnapshotChunk> chunks = new ArrayList<>();
            for (int chunkIndex : index.snapshotChunks.keySet()) {
                ByteBuffer record = readRecordPayload(index.snapshotChunkExtent(chunkIndex));
                chunks.add(codec.readSnapshotChunk(record));
            }
            SnapshotChunk first = chunks.getFirst();
            snapshot = codec.factory().createSnapshotEntryBuilder().setIndex(first.getIndex())
                    .setTerm(first.getTerm()).setSnapshotChunks(chunks)
                    .setGroupMembersView(first.getGroupMembersView()).build();
        }
        List<LogEntry> entries = new ArrayList<>();
        long expected = -1;
        for (Map.Entry<Long, Extent> e : index.entries.tailMap(index.snapshotIndex, false).entrySet()) {
            if (expected != -1 && e.getKey() != expected) {
                throw new CorruptRaftStoreException("Raft log " + logFile + " jumps from entry " + (expected - 1)
                        + " to entry " + e.getKey() + " (snapshot index " + index.snapshotIndex + ")");
            }
            entries.add(codec.readLogEntry(readRecordPayload(e.getValue())));
            expected = e.getKey() + 1;
        }
        return new RestoredRaftState(endpoint, members, term, snapshot, entries);
    }

    private ByteBuffer readRecordPayload(Extent extent) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(extent.length());
        readFully(channel, buf, extent.position());
        buf.flip();
        byte type = buf.get(8);
        buf.position(9); // length, crc, type
        return type == SEALED_ENTRY || type == SEALED_CHUNK ? unseal(type, buf, extent) : buf;
    }

    private ByteBuffer unseal(byte type, ByteBuffer sealed, Extent extent) throws CorruptRaftStoreException {
        String where = "Raft log " + logFile + " at offset " + extent.position();
        if (sealer == null) {
            throw new CorruptRaftStoreException(where + " holds records encrypted at rest and no key is given");
        }
        return sealer.open(type, sealed, where);
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Opens a file this store creates: owner-only (0600). */
    private static FileChannel create(Path file, StandardOpenOption... options) throws IOException {
        return posix(file)
                ? FileChannel.open(file, Set.of(options),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : FileChannel.open(file, options);
    }

    private interface Decoder<T> {
        T decode(ByteBuffer in);
    }

    private <T> T decodeState(String file, ByteBuffer payload, Decoder<T> decoder) throws CorruptRaftStoreException {
        try {
            return decoder.decode(payload);
        } catch (MalformedRaftDataException | BufferUnderflowException e) {
            throw new CorruptRaftStoreException("Raft state file " + dir.resolve(file) + " does not decode: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Whether {@code log} is a new store's that crashed before its first flush: no records (at most a header) or a
     * header of zeros, with no {@code endpoint.state} beside it (a version 1 store forced its header at creation and
     * wrote that file right after, so it is never mistaken for one).
     */
    private boolean neverFlushed(Path log) throws IOException {
        if (Files.exists(dir.resolve(ENDPOINT_FILE))) {
            return false;
        }
        long size = Files.size(log);
        if (size <= LOG_HEADER_BYTES) {
            return true;
        }
        // a flushed store's header is on disk (its first fdatasync covered it): a zero one was never flushed
        ByteBuffer header = ByteBuffer.allocate(LOG_HEADER_BYTES);
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
            readFully(ch, header, 0);
        }
        return header.getLong(0) == 0;
    }

    // ---------------------------------------------------------------- small state files

    private void writeStateFile(String name, byte[] payload) throws IOException {
        Path target = dir.resolve(name);
        Path tmp = dir.resolve(name + ".tmp");
        crc.reset();
        crc.update(payload);
        ByteBuffer buf = ByteBuffer.allocate(12 + payload.length).putInt(STATE_MAGIC).putInt(payload.length)
                .put(payload).putInt((int) crc.getValue()).flip();
        try (FileChannel out = create(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            out.force(true);
        }
        moveAtomically(tmp, target);
        forceDirectory();
    }

    private Optional<ByteBuffer> readStateFile(String name) throws IOException {
        Path file = dir.resolve(name);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        if (bytes.length < 12 || buf.getInt() != STATE_MAGIC) {
            throw new CorruptRaftStoreException("Raft state file " + file + " (" + bytes.length
                    + " bytes) does not start with magic 0x464C5953");
        }
        int length = buf.getInt();
        if (length < 0 || length != bytes.length - 12) {
            throw new CorruptRaftStoreException("Raft state file " + file + " says " + length
                    + " payload bytes but holds " + (bytes.length - 12));
        }
        crc.reset();
        crc.update(bytes, 8, length);
        int expected = ByteBuffer.wrap(bytes, 8 + length, 4).getInt();
        if ((int) crc.getValue() != expected) {
            throw new CorruptRaftStoreException(String.format(
                    "Raft state file %s: CRC-32C 0x%08X, stored 0x%08X", file, (int) crc.getValue(), expected));
        }
        return Optional.of(ByteBuffer.wrap(bytes, 8, length).slice());
    }

    // ---------------------------------------------------------------- file helpers

    private static String logName(long generation) {
        return String.format("raft-%020d.log", generation);
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("file system of " + to + " cannot rename atomically; Raft state needs it", e);
        }
    }

    private void forceDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some platforms cannot open a directory for sync; the rename is still atomic there
            LOG.log(System.Logger.Level.DEBUG, "cannot fsync directory " + dir + ": " + e.getMessage());
        }
    }

    private static int readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /** Where a record sits in the current log file: its first byte (the length field) and its total size. */
    record Extent(long position, int length) {
    }

    /** Which records of the current file are live: entries by index and the newest complete snapshot. */
    private static final class Index {
        final NavigableMap<Long, Extent> entries = new TreeMap<>();
        final NavigableMap<Long, TreeMap<Integer, Extent>> partialSnapshots = new TreeMap<>();
        final NavigableMap<Long, Integer> partialCounts = new TreeMap<>();
        TreeMap<Integer, Extent> snapshotChunks = new TreeMap<>();
        long snapshotIndex;
        /** The latest ENDPOINT, MEMBERS and TERM records (version 2), or null. */
        Extent endpoint;
        Extent members;
        Extent term;

        void entry(long logIndex, Extent extent) {
            entries.tailMap(logIndex, true).clear();
            entries.put(logIndex, extent);
        }

        /** Returns true when this chunk completes a snapshot newer than the current one. */
        boolean chunk(long logIndex, int chunkIndex, int chunkCount, Extent extent) {
            if (logIndex <= snapshotIndex) {
                return false;
            }
            TreeMap<Integer, Extent> chunks = partialSnapshots.computeIfAbsent(logIndex, k -> new TreeMap<>());
            chunks.put(chunkIndex, extent);
            partialCounts.put(logIndex, chunkCount);
            if (chunks.size() < chunkCount) {
                return false;
            }
            snapshotIndex = logIndex;
            snapshotChunks = chunks;
            partialSnapshots.headMap(logIndex, true).clear();
            partialCounts.headMap(logIndex, true).clear();
            return true;
        }

        Extent snapshotChunkExtent(int chunkIndex) {
            return snapshotChunks.get(chunkIndex);
        }

        void truncateFrom(long logIndex) {
            entries.tailMap(logIndex, true).clear();
        }

        void truncateUntil(long logIndex) {
            entries.headMap(logIndex, true).clear();
        }

        void deleteSnapshot(long logIndex) {
            partialSnapshots.remove(logIndex);
            partialCounts.remove(logIndex);
        }

        void replaceWith(Index other) {
            entries.clear();
            entries.putAll(other.entries);
            partialSnapshots.clear();
            partialSnapshots.putAll(other.partialSnapshots);
            partialCounts.clear();
            partialCounts.putAll(other.partialCounts);
            snapshotChunks = other.snapshotChunks;
            snapshotIndex = other.snapshotIndex;
            endpoint = other.endpoint;
            members = other.members;
            term = other.term;
        }
    }
}
