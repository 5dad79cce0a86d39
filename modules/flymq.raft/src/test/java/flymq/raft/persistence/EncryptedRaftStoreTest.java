package flymq.raft.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.raft.RaftMember;
import flymq.raft.RaftStoreKey;
import flymq.raft.codec.RaftModelCodec;
import io.microraft.RaftEndpoint;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.persistence.RestoredRaftState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Raft log encrypted at rest: nothing in the clear, restored with its key, refused with another or none. */
class EncryptedRaftStoreTest {

    private static final RaftStoreKey KEY = RaftStoreKey.of(new byte[32], 0x11223344);
    private static final RaftStoreKey OTHER = RaftStoreKey.of(filled(7), 0x55667788);

    @TempDir
    Path dir;

    private final RaftModelCodec codec = new RaftModelCodec();
    private final RaftModelFactory f = codec.factory();
    private final RaftMember a = new RaftMember("a", "127.0.0.1:1");
    private final RaftMember b = new RaftMember("b", "127.0.0.1:2");

    private static byte[] filled(int v) {
        byte[] k = new byte[32];
        java.util.Arrays.fill(k, (byte) v);
        return k;
    }

    private static byte[] operation(long i) {
        return ("raft-canary-" + i).getBytes(StandardCharsets.US_ASCII);
    }

    private void write(RaftStoreKey key, long from, long to, boolean snapshot) throws IOException {
        try (FileRaftStore store = FileRaftStore.open(dir, codec, key)) {
            if (store.restoredState().isEmpty()) {
                store.persistAndFlushLocalEndpoint(f.createRaftEndpointPersistentStateBuilder().setLocalEndpoint(a)
                        .setVoting(true).build());
                store.persistAndFlushInitialGroupMembers(f.createRaftGroupMembersViewBuilder().setLogIndex(0)
                        .setMembers(List.<RaftEndpoint>of(a, b)).setVotingMembers(List.<RaftEndpoint>of(a, b)).build());
            }
            List<LogEntry> entries = new ArrayList<>();
            for (long i = from; i <= to; i++) {
                entries.add(f.createLogEntryBuilder().setIndex(i).setTerm(1).setOperation(operation(i)).build());
            }
            store.persistLogEntries(entries);
            if (snapshot) {
                store.persistSnapshotChunk(f.createSnapshotChunkBuilder().setIndex(to - 2).setTerm(1)
                        .setOperation("snapshot-canary".getBytes(StandardCharsets.US_ASCII)).setSnapshotChunkIndex(0)
                        .setSnapshotChunkCount(1).setGroupMembersView(f.createRaftGroupMembersViewBuilder()
                                .setLogIndex(0).setMembers(List.<RaftEndpoint>of(a, b))
                                .setVotingMembers(List.<RaftEndpoint>of(a, b)).build()).build());
            }
            store.flush();
        }
    }

    private RestoredRaftState reopen(RaftStoreKey key) throws IOException {
        try (FileRaftStore store = FileRaftStore.open(dir, codec, key)) {
            return store.restoredState().orElseThrow();
        }
    }

    private boolean anyFileHolds(String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.US_ASCII);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String content = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                if (content.contains(new String(needle, StandardCharsets.ISO_8859_1))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    @SuppressWarnings("unchecked")
    void entriesAndSnapshotsAreNotInTheClearAndComeBackWithTheKey() throws IOException {
        write(KEY, 1, 50, false);
        write(KEY, 51, 100, true); // the snapshot compacts: sealed records are copied as they are
        assertFalse(anyFileHolds("canary"), "a Raft record lies in the clear");
        RestoredRaftState s = reopen(KEY);
        assertEquals(98, s.getSnapshotEntry().getIndex());
        assertArrayEquals("snapshot-canary".getBytes(StandardCharsets.US_ASCII),
                (byte[]) ((List<SnapshotChunk>) s.getSnapshotEntry().getOperation()).get(0).getOperation());
        assertEquals(List.of(99L, 100L), s.getLogEntries().stream().map(LogEntry::getIndex).toList());
        assertArrayEquals(operation(100), (byte[]) s.getLogEntries().get(1).getOperation());
    }

    @Test
    void withoutAKeyTheSameRecordsLieInTheClear() throws IOException {
        write(null, 1, 3, false);
        assertTrue(anyFileHolds("raft-canary-2"), "the check above can see a plain record");
    }

    @Test
    void anotherKeyIsRefusedNamingBothIdsAndTheLogIsKept() throws IOException {
        write(KEY, 1, 10, false);
        long size;
        try (Stream<Path> files = Files.list(dir)) {
            Path log = files.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
            size = Files.size(log);
            CorruptRaftStoreException e = assertThrows(CorruptRaftStoreException.class, () -> reopen(OTHER));
            assertTrue(e.getMessage().contains("wrong encryption key") && e.getMessage().contains("11223344")
                    && e.getMessage().contains("55667788"), e.getMessage());
            assertEquals(size, Files.size(log), "not mistaken for a torn tail and truncated");
        }
        assertEquals(10, reopen(KEY).getLogEntries().size());
    }

    @Test
    void afterARotationTheRingOpensOldRecordsAndSealsNewOnesUnderTheNewKey() throws IOException {
        write(KEY, 1, 10, false);
        RaftStoreKey rotated = OTHER.withPrevious(List.of(KEY));
        write(rotated, 11, 20, false);
        RestoredRaftState s = reopen(rotated);
        assertEquals(20, s.getLogEntries().size());
        assertArrayEquals(operation(3), (byte[]) s.getLogEntries().get(2).getOperation());
        assertArrayEquals(operation(17), (byte[]) s.getLogEntries().get(16).getOperation());
        // the new records are under the new key: the old key alone opens the old ones only
        CorruptRaftStoreException old = assertThrows(CorruptRaftStoreException.class, () -> reopen(KEY));
        assertTrue(old.getMessage().contains("55667788"), old.getMessage());
        // and the new key alone, without the ring, names what is missing
        CorruptRaftStoreException alone = assertThrows(CorruptRaftStoreException.class, () -> reopen(OTHER));
        assertTrue(alone.getMessage().contains("11223344") && alone.getMessage().contains("previous key"),
                alone.getMessage());
        // a snapshot taken after the rotation compacts the old records away: the new key alone suffices then
        write(rotated, 21, 30, true);
        RestoredRaftState compacted = reopen(OTHER);
        assertEquals(List.of(29L, 30L), compacted.getLogEntries().stream().map(LogEntry::getIndex).toList());
    }

    @Test
    void noKeyIsRefusedClearly() throws IOException {
        write(KEY, 1, 3, false);
        CorruptRaftStoreException e = assertThrows(CorruptRaftStoreException.class, () -> reopen(null));
        assertTrue(e.getMessage().contains("encrypted at rest and no key is given"), e.getMessage());
    }

    @Test
    void anAlteredRecordFailsAuthentication() throws IOException {
        write(KEY, 1, 3, false);
        Path log;
        try (Stream<Path> files = Files.list(dir)) {
            log = files.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(log);
        // flip a ciphertext bit of the first entry and fix its CRC, as an attacker who knows the format would (the
        // identity and members records before it are not sealed)
        int at = FileRaftStore.LOG_HEADER_BYTES;
        while (bytes[at + 8] != FileRaftStore.SEALED_ENTRY) {
            at += 8 + java.nio.ByteBuffer.wrap(bytes).getInt(at);
        }
        int length = java.nio.ByteBuffer.wrap(bytes).getInt(at);
        int payload = at + 8;
        bytes[payload + 1 + 20] ^= 1;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, payload, length);
        java.nio.ByteBuffer.wrap(bytes).putInt(at + 4, (int) crc.getValue());
        Files.write(log, bytes, StandardOpenOption.TRUNCATE_EXISTING);
        CorruptRaftStoreException e = assertThrows(CorruptRaftStoreException.class, () -> reopen(KEY));
        assertTrue(e.getMessage().contains("fails authentication"), e.getMessage());
    }

    @Test
    void filesAreOwnerOnly() throws IOException {
        Path sub = dir.resolve("group");
        try (FileRaftStore store = FileRaftStore.open(sub, codec, KEY)) {
            store.persistAndFlushLocalEndpoint(f.createRaftEndpointPersistentStateBuilder().setLocalEndpoint(a)
                    .setVoting(true).build());
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sub)));
        try (Stream<Path> files = Files.list(sub)) {
            for (Path p : files.toList()) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
            }
        }
    }
}
