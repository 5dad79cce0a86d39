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
    void damagedTermFileIsReportedWithItsPath() throws IOException {
        try (FileRaftStore store = freshStore()) {
            store.persistAndFlushTerm(f.createRaftTermPersistentStateBuilder().setTerm(4).setVotedFor(b).build());
        }
        Path term = dir.resolve("term.state");
        byte[] bytes = Files.readAllBytes(term);
        bytes[9] ^= 0x55;
        Files.write(term, bytes);
        CorruptRaftStoreException e = assertThrows(CorruptRaftStoreException.class,
                () -> FileRaftStore.open(dir, codec));
        assertTrue(e.getMessage().contains(term.toString()) && e.getMessage().contains("CRC"), e.getMessage());
    }
}
