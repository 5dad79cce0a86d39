package flymq.raft.persistence;

import flymq.raft.RaftMember;
import flymq.raft.codec.RaftModelCodec;
import io.microraft.RaftEndpoint;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.persistence.RestoredRaftState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileRaftStoreTest {

    @TempDir
    Path dir;

    private final RaftModelCodec codec = new RaftModelCodec();
    private final RaftModelFactory f = codec.factory();
    private final RaftMember a = new RaftMember("a", "127.0.0.1:1");
    private final RaftMember b = new RaftMember("b", "127.0.0.1:2");

    private FileRaftStore freshStore() throws IOException {
        FileRaftStore store = FileRaftStore.open(dir, codec);
        store.persistAndFlushLocalEndpoint(f.createRaftEndpointPersistentStateBuilder().setLocalEndpoint(a)
                .setVoting(true).build());
        store.persistAndFlushInitialGroupMembers(f.createRaftGroupMembersViewBuilder().setLogIndex(0)
                .setMembers(List.<RaftEndpoint>of(a, b)).setVotingMembers(List.<RaftEndpoint>of(a, b)).build());
        return store;
    }

    private LogEntry entry(long index) {
        return f.createLogEntryBuilder().setIndex(index).setTerm(1).setOperation(("e" + index).getBytes()).build();
    }

    private List<LogEntry> entries(long from, long to) {
        List<LogEntry> list = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            list.add(entry(i));
        }
        return list;
    }

    private RestoredRaftState reopen() throws IOException {
        try (FileRaftStore store = FileRaftStore.open(dir, codec)) {
            return store.restoredState().orElseThrow();
        }
    }

    private static List<Long> indices(RestoredRaftState s) {
        return s.getLogEntries().stream().map(LogEntry::getIndex).toList();
    }

    @Test
    void freshDirectoryHasNothingToRestore() throws IOException {
        try (FileRaftStore store = FileRaftStore.open(dir, codec)) {
            assertTrue(store.restoredState().isEmpty());
        }
    }

    @Test
    void termVoteAndFlushedEntriesAreRestored() throws IOException {
        try (FileRaftStore store = freshStore()) {
            store.persistAndFlushTerm(f.createRaftTermPersistentStateBuilder().setTerm(4).setVotedFor(b).build());
            store.persistLogEntries(entries(1, 5));
            store.flush();
        }
        RestoredRaftState s = reopen();
        assertEquals(a, s.getLocalEndpointPersistentState().getLocalEndpoint());
        assertEquals(4, s.getTermPersistentState().getTerm());
        assertEquals(b, s.getTermPersistentState().getVotedFor());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), indices(s));
        assertArrayEquals("e3".getBytes(), (byte[]) s.getLogEntries().get(2).getOperation());
        assertNull(s.getSnapshotEntry());
    }

    @Test
    void aLoadedStoreWritesItsEntriesIntoASpareBufferAndReturnsItAtTheFlush() throws IOException {
        while (FileRaftStore.spares().poll() != null) {
            // start from no spares: other tests' flushes may have left some
        }
        byte[] spare = new byte[512 * 1024];
        List<LogEntry> big = new ArrayList<>();
        for (long i = 1; i <= 3; i++) {
            byte[] op = new byte[100 * 1024];
            java.util.Arrays.fill(op, (byte) i);
            big.add(f.createLogEntryBuilder().setIndex(i).setTerm(1).setOperation(op).build());
        }
        try (FileRaftStore store = freshStore()) {
            store.flush(); // a spare is borrowed for entries that start a flush's records, not to add to others
            FileRaftStore.spares().offer(spare);
            store.persistLogEntries(big);
            assertEquals(0, FileRaftStore.spares().size(), "the store borrowed the spare for its entries");
            store.flush();
            assertEquals(1, FileRaftStore.spares().size(), "the flush handed the spare back");
            assertTrue(FileRaftStore.spares().poll() == spare, "the same buffer, not a copy");
            store.persistLogEntries(entries(4, 4));
            store.flush();
        }
        RestoredRaftState s = reopen();
        assertEquals(List.of(1L, 2L, 3L, 4L), indices(s));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals((byte[]) big.get(i).getOperation(), (byte[]) s.getLogEntries().get(i).getOperation());
        }
    }

    @Test
    void sparesAreBoundedInNumberAndSize() {
        while (FileRaftStore.spares().poll() != null) {
            // empty
        }
        FileRaftStore.spares().offer(new byte[FileRaftStore.SPARE_MAX_BYTES + 1]);
        assertEquals(0, FileRaftStore.spares().size());
        for (int i = 0; i < FileRaftStore.SPARE_COUNT + 3; i++) {
            FileRaftStore.spares().offer(new byte[1024]);
        }
        assertEquals(FileRaftStore.SPARE_COUNT, FileRaftStore.spares().size());
        while (FileRaftStore.spares().poll() != null) {
            // leave none behind
        }
    }

    @Test
    void truncatedEntriesStayTruncatedAfterRestartAndReappendedOnesWin() throws IOException {
        try (FileRaftStore store = freshStore()) {
            store.persistLogEntries(entries(1, 5));
            store.truncateLogEntriesFrom(4);
            store.persistLogEntries(List.of(f.createLogEntryBuilder().setIndex(4).setTerm(2)
                    .setOperation("new4".getBytes()).build()));
            store.flush();
        }
        RestoredRaftState s = reopen();
        assertEquals(List.of(1L, 2L, 3L, 4L), indices(s));
        assertEquals(2, s.getLogEntries().get(3).getTerm());
    }

    @Test
    void tornTailAfterTheLastFlushIsCutOffAndEarlierEntriesSurvive() throws IOException {
        Path log;
        try (FileRaftStore store = freshStore()) {
            store.persistLogEntries(entries(1, 3));
            store.flush();
        }
        try (Stream<Path> files = Files.list(dir)) {
            log = files.filter(p -> p.getFileName().toString().endsWith(".log")).findFirst().orElseThrow();
        }
        long goodSize = Files.size(log);
        // half a record: a length that promises more bytes than were written before the crash
        Files.write(log, new byte[]{0, 0, 0, 50, 1, 2, 3}, StandardOpenOption.APPEND);
        RestoredRaftState s = reopen();
        assertEquals(List.of(1L, 2L, 3L), indices(s));
        assertEquals(goodSize, Files.size(log));
    }

    @Test
    void completedSnapshotCompactsTheLogFileAndIsRestoredWithTheEntriesAboveIt() throws IOException {
        long sizeBefore;
        long sizeAfter;
        try (FileRaftStore store = freshStore()) {
            store.persistLogEntries(entries(1, 1000));
            store.flush();
            sizeBefore = store.logBytes();
            for (int i = 0; i < 2; i++) {
                SnapshotChunk chunk = f.createSnapshotChunkBuilder().setIndex(990).setTerm(1)
                        .setOperation(("chunk" + i).getBytes()).setSnapshotChunkIndex(i).setSnapshotChunkCount(2)
                        .setGroupMembersView(f.createRaftGroupMembersViewBuilder().setLogIndex(0)
                                .setMembers(List.<RaftEndpoint>of(a, b)).setVotingMembers(List.<RaftEndpoint>of(a, b))
                                .build()).build();
                store.persistSnapshotChunk(chunk);
            }
            store.flush();
            sizeAfter = store.logBytes();
        }
        assertTrue(sizeAfter < sizeBefore / 20, "log not compacted: " + sizeBefore + " -> " + sizeAfter + " bytes");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.filter(p -> p.getFileName().toString().endsWith(".log")).count());
        }
        RestoredRaftState s = reopen();
        assertEquals(990, s.getSnapshotEntry().getIndex());
        assertEquals(2, s.getSnapshotEntry().getSnapshotChunkCount());
        assertEquals(List.of(991L, 992L, 993L, 994L, 995L, 996L, 997L, 998L, 999L, 1000L), indices(s));
    }

    @Test
    void incompleteSnapshotIsIgnoredOnRestore() throws IOException {
        try (FileRaftStore store = freshStore()) {
            store.persistLogEntries(entries(1, 4));
            store.persistSnapshotChunk(f.createSnapshotChunkBuilder().setIndex(3).setTerm(1)
                    .setOperation(new byte[0]).setSnapshotChunkIndex(0).setSnapshotChunkCount(2).build());
            store.flush();
        }
        RestoredRaftState s = reopen();
        assertNull(s.getSnapshotEntry());
        assertEquals(List.of(1L, 2L, 3L, 4L), indices(s));
    }

    @Test
    void aVersion2StoreKeepsIdentityMembersAndTermInItsLogAndCompactionKeepsThem() throws IOException {
        try (FileRaftStore store = freshStore()) {
            store.persistAndFlushTerm(f.createRaftTermPersistentStateBuilder().setTerm(3).setVotedFor(a).build());
            store.persistAndFlushTerm(f.createRaftTermPersistentStateBuilder().setTerm(7).setVotedFor(b).build());
            store.persistLogEntries(entries(1, 20));
            store.flush();
            store.persistSnapshotChunk(f.createSnapshotChunkBuilder().setIndex(15).setTerm(1)
                    .setOperation("s".getBytes()).setSnapshotChunkIndex(0).setSnapshotChunkCount(1)
                    .setGroupMembersView(f.createRaftGroupMembersViewBuilder().setLogIndex(0)
                            .setMembers(List.<RaftEndpoint>of(a, b)).setVotingMembers(List.<RaftEndpoint>of(a, b))
                            .build()).build());
            store.flush(); // completes the snapshot: the next generation is written
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("raft-00000000000000000001.log"), names, "no state files beside a version 2 log");
        }
        RestoredRaftState s = reopen();
        assertEquals(a, s.getLocalEndpointPersistentState().getLocalEndpoint());
        assertEquals(List.of(a, b), List.copyOf(s.getInitialGroupMembers().getMembers()));
        assertEquals(7, s.getTermPersistentState().getTerm());
        assertEquals(b, s.getTermPersistentState().getVotedFor());
        assertEquals(15, s.getSnapshotEntry().getIndex());
        assertEquals(List.of(16L, 17L, 18L, 19L, 20L), indices(s));
    }

    @Test
    void aNewStoreWritesNothingBeforeItsFirstFlushAndReopensAsNewAfterACrashThere() throws IOException {
        FileRaftStore store = freshStore(); // identity and members buffered, as MicroRaft's start leaves them
        Path log = dir.resolve("raft-00000000000000000000.log");
        assertEquals(8, Files.size(log), "only the header, unforced");
        // a crash here: the store is never closed; what it buffered is lost
        try (FileRaftStore again = FileRaftStore.open(dir, codec)) {
            assertTrue(again.restoredState().isEmpty(), "a store never flushed reopens as a new one");
        }
        // a crash that lost the header's data too (a file of zeros whose size reached the disk)
        Files.write(log, new byte[8]);
        try (FileRaftStore again = FileRaftStore.open(dir, codec)) {
            assertTrue(again.restoredState().isEmpty());
        }
        Files.write(log, new byte[3]);
        try (FileRaftStore again = FileRaftStore.open(dir, codec)) {
            assertTrue(again.restoredState().isEmpty());
        }
        store.close(); // writes to the file the first reopen replaced
    }

    @Test
    void theFirstTermMakesTheBufferedIdentityDurableWithIt() throws IOException {
        FileRaftStore store = freshStore();
        store.persistAndFlushTerm(f.createRaftTermPersistentStateBuilder().setTerm(1).setVotedFor(a).build());
        // no close: what the first flush wrote is what a crash leaves
        RestoredRaftState s;
        try (FileRaftStore again = FileRaftStore.open(dir, codec)) {
            s = again.restoredState().orElseThrow();
        }
        assertEquals(a, s.getLocalEndpointPersistentState().getLocalEndpoint());
        assertEquals(1, s.getTermPersistentState().getTerm());
        assertEquals(a, s.getTermPersistentState().getVotedFor());
        store.close();
    }

    @Test
    void aLogWithEntriesButNoIdentityIsRefused() throws IOException {
        Path log = dir.resolve("raft-00000000000000000000.log");
        // a version 2 log holding one TERM record and nothing else
        RaftModelCodec.Out out = new RaftModelCodec.Out(64);
        out.putByte(FileRaftStore.TERM);
        codec.writeTermState(out, f.createRaftTermPersistentStateBuilder().setTerm(2).setVotedFor(a).build());
        byte[] payload = out.toByteArray();
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(payload);
        java.nio.ByteBuffer file = java.nio.ByteBuffer.allocate(16 + payload.length).putInt(FileRaftStore.LOG_MAGIC)
                .putInt(FileRaftStore.LOG_VERSION).putInt(payload.length).putInt((int) crc.getValue()).put(payload);
        Files.write(log, file.array());
        CorruptRaftStoreException e = assertThrows(CorruptRaftStoreException.class,
                () -> FileRaftStore.open(dir, codec));
        assertTrue(e.getMessage().contains("identity"), e.getMessage());
    }

    @Test
    void aVersion1StoreIsRestoredAndKeepsItsStateFiles() throws IOException {
        writeVersion1Store();
        try (FileRaftStore store = FileRaftStore.open(dir, codec)) {
            RestoredRaftState s = store.restoredState().orElseThrow();
            assertEquals(a, s.getLocalEndpointPersistentState().getLocalEndpoint());
            assertEquals(4, s.getTermPersistentState().getTerm());
            assertEquals(List.of(1L, 2L, 3L), indices(s));
            store.persistAndFlushTerm(f.createRaftTermPersistentStateBuilder().setTerm(5).setVotedFor(a).build());
            store.persistLogEntries(entries(4, 4));
            store.flush();
        }
        RestoredRaftState s = reopen();
        assertEquals(5, s.getTermPersistentState().getTerm());
        assertEquals(List.of(1L, 2L, 3L, 4L), indices(s));
        assertTrue(Files.exists(dir.resolve("term.state")));
        try (FileChannelHeader h = new FileChannelHeader(dir.resolve("raft-00000000000000000000.log"))) {
            assertEquals(FileRaftStore.LOG_VERSION_1, h.version(), "a version 1 log is continued as version 1");
        }
    }

    @Test
    void damagedTermFileIsReportedWithItsPath() throws IOException {
        writeVersion1Store();
        Path term = dir.resolve("term.state");
        byte[] bytes = Files.readAllBytes(term);
        bytes[9] ^= 0x55;
        Files.write(term, bytes);
        CorruptRaftStoreException e = assertThrows(CorruptRaftStoreException.class,
                () -> FileRaftStore.open(dir, codec));
        assertTrue(e.getMessage().contains(term.toString()) && e.getMessage().contains("CRC"), e.getMessage());
    }

    /** A store as the version 1 format left it: identity, members and term (4, vote b) in files, entries 1-3. */
    private void writeVersion1Store() throws IOException {
        RaftModelCodec.Out log = new RaftModelCodec.Out(1024);
        log.putInt(FileRaftStore.LOG_MAGIC).putInt(FileRaftStore.LOG_VERSION_1);
        for (LogEntry e : entries(1, 3)) {
            RaftModelCodec.Out rec = new RaftModelCodec.Out(64);
            rec.putByte(FileRaftStore.ENTRY);
            codec.writeLogEntry(rec, e);
            byte[] payload = rec.toByteArray();
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(payload);
            log.putInt(payload.length).putInt((int) crc.getValue()).putRaw(payload);
        }
        Files.write(dir.resolve("raft-00000000000000000000.log"), log.toByteArray());
        RaftModelCodec.Out endpoint = new RaftModelCodec.Out(64);
        codec.writeEndpointState(endpoint, f.createRaftEndpointPersistentStateBuilder().setLocalEndpoint(a)
                .setVoting(true).build());
        writeStateFile("endpoint.state", endpoint.toByteArray());
        RaftModelCodec.Out members = new RaftModelCodec.Out(64);
        codec.writeView(members, f.createRaftGroupMembersViewBuilder().setLogIndex(0)
                .setMembers(List.<RaftEndpoint>of(a, b)).setVotingMembers(List.<RaftEndpoint>of(a, b)).build());
        writeStateFile("members.state", members.toByteArray());
        RaftModelCodec.Out term = new RaftModelCodec.Out(64);
        codec.writeTermState(term, f.createRaftTermPersistentStateBuilder().setTerm(4).setVotedFor(b).build());
        writeStateFile("term.state", term.toByteArray());
    }

    private void writeStateFile(String name, byte[] payload) throws IOException {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(payload);
        Files.write(dir.resolve(name), java.nio.ByteBuffer.allocate(12 + payload.length)
                .putInt(FileRaftStore.STATE_MAGIC).putInt(payload.length).put(payload).putInt((int) crc.getValue())
                .array());
    }

    /** The version field of a log file's header. */
    private record FileChannelHeader(java.nio.channels.FileChannel ch) implements AutoCloseable {
        FileChannelHeader(Path p) throws IOException {
            this(java.nio.channels.FileChannel.open(p, StandardOpenOption.READ));
        }

        int version() throws IOException {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8);
            ch.read(b, 0);
            return b.getInt(4);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
