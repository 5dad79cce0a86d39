package flymq.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.record.StoredRecordLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encryption at rest through the store's API: what lies in the files, what reads return, and how a wrong or missing
 * key is refused.
 */
class EncryptionAtRestTest {

    private static final EncryptionKey KEY = EncryptionKey.fromHex("00112233445566778899aabbccddeeff"
            + "00112233445566778899aabbccddeeff", "test");
    private static final EncryptionKey OTHER = EncryptionKey.fromHex("ffeeddccbbaa99887766554433221100"
            + "ffeeddccbbaa99887766554433221100", "test");
    private static final long FAR_FUTURE = 4_000_000_000_000L;

    @TempDir
    Path dataDir;

    private Path logs() {
        return dataDir.resolve("logs");
    }

    private LogStore open(EncryptionKey key) {
        return LogStore.open(logs(), LogConfig.defaults().withSegmentBytes(4096), StorageListener.NONE, key);
    }

    private static byte[] secret(int i) {
        return ("top-secret-message-" + i + "-" + "x".repeat(i % 7)).getBytes(StandardCharsets.US_ASCII);
    }

    /** Plain records, a transactional one (header flymq.txn) and expiring ones: every bit must survive sealing. */
    private static List<Record> batch(int from, int n) {
        List<Record> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            List<Header> headers = i % 4 == 1
                    ? List.of(new Header(StoredRecordLayout.TXN_HEADER, ByteBuffer.allocate(8).putLong(0, 77).array()))
                    : List.of(new Header("h", ("hv" + i).getBytes(StandardCharsets.US_ASCII)));
            byte[] key = i % 3 == 0 ? null : ("key-" + i).getBytes(StandardCharsets.US_ASCII);
            long expiresAt = i % 2 == 0 ? Record.NO_EXPIRY : FAR_FUTURE + i;
            out.add(new Record(1_700_000_000_000L + i, key, secret(i), headers, expiresAt));
        }
        return out;
    }

    private static void assertAllRead(PartitionLog log, int count) {
        List<StoredRecord> got = new ArrayList<>();
        long next = 0;
        while (next < log.endOffset()) {
            List<StoredRecord> part = log.read(next, 7, 1000);
            got.addAll(part);
            next = part.get(part.size() - 1).offset() + 1;
        }
        assertEquals(count, got.size());
        List<Record> want = batch(0, count);
        for (int i = 0; i < count; i++) {
            StoredRecord r = got.get(i);
            Record w = want.get(i);
            assertEquals(i, r.offset());
            assertArrayEquals(w.value(), r.value(), "value at " + i);
            assertArrayEquals(w.key(), r.key(), "key at " + i);
            assertEquals(w.timestamp(), r.timestamp());
            assertEquals(w.expiresAt(), r.expiresAt(), "expiresAt at " + i);
            assertEquals(w.headers().get(0).key(), r.headers().get(0).key());
            assertArrayEquals(w.headers().get(0).value(), r.headers().get(0).value());
        }
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> walk = Files.walk(logs())) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    void noValueLiesInTheClearInAnyFileAndReadsReturnThePlainRecords() throws IOException {
        try (LogStore store = open(KEY)) {
            PartitionLog log = store.getOrCreate("t", 0, LogConfig.defaults().withSegmentBytes(4096));
            for (int i = 0; i < 100; i += 10) {
                log.append(batch(i, 10));
            }
            assertAllRead(log, 100);
        }
        List<Path> files = files();
        assertTrue(files.stream().filter(f -> f.toString().endsWith(".log")).count() > 1, "several segments");
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            assertFalse(contains(bytes, "top-secret".getBytes(StandardCharsets.US_ASCII)), f + " holds a value");
        }
        // keys and headers stay in the clear (readers filter on them without the key): the search above could see them
        byte[] all = Files.readAllBytes(logs().resolve("t-0").resolve("00000000000000000000.log"));
        assertTrue(contains(all, "key-1".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void recordsAppendedInTheStoredLayoutAreSealedLikeAnyOthers() throws IOException {
        List<Record> records = batch(0, 30);
        int size = 0;
        for (Record r : records) {
            size += StoredRecordLayout.sizeOf(r.key(), r.value(), r.headers(), Header::key, Header::value,
                    r.expiresAt());
        }
        ByteBuffer bytes = ByteBuffer.allocate(size);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        for (Record r : records) {
            StoredRecordLayout.encode(bytes, crc, 0, r.timestamp(), r.key(), r.value(), r.headers(), Header::key,
                    Header::value, r.expiresAt());
        }
        try (LogStore store = open(KEY)) {
            PartitionLog log = store.getOrCreate("t", 0, LogConfig.defaults().withSegmentBytes(4096));
            assertEquals(0, log.appendStored(bytes.flip(), 30));
            assertAllRead(log, 30);
        }
        for (Path f : files()) {
            assertFalse(contains(Files.readAllBytes(f), "top-secret".getBytes(StandardCharsets.US_ASCII)),
                    f + " holds a value");
        }
    }

    @Test
    void aSliceOfAnEncryptedLogHoldsThePlainRecordsInTheWireLayout() throws IOException {
        try (LogStore store = open(KEY)) {
            PartitionLog log = store.getOrCreate("t", 0, LogConfig.defaults());
            log.append(batch(0, 20));
            LogSlice slice = log.slice(3, 1 << 20);
            assertEquals(3, slice.firstOffset());
            assertEquals(20, slice.nextOffset());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(slice.sizeInBytes(), slice.transferTo(Channels.newChannel(out)));
            // StoredRecords accepts the wire's attribute bits only, so a sealed record would be refused here
            List<StoredRecord> records = StoredRecords.decode(ByteBuffer.wrap(out.toByteArray()));
            List<Record> want = batch(0, 20);
            for (StoredRecord r : records) {
                assertArrayEquals(want.get((int) r.offset()).value(), r.value());
                assertEquals(want.get((int) r.offset()).expiresAt(), r.expiresAt());
            }
            ByteBuffer bytes = ByteBuffer.wrap(out.toByteArray());
            int transactional = 0;
            for (int p = 0; p < bytes.limit(); p += StoredRecordLayout.sizeAt(bytes, p)) {
                assertEquals(0, StoredRecordLayout.attributesAt(bytes, p) & StoredRecordLayout.ATTR_ENCRYPTED);
                transactional += (StoredRecordLayout.attributesAt(bytes, p) & StoredRecordLayout.TRANSACTIONAL) != 0
                        ? 1 : 0;
            }
            assertEquals(4, transactional, "offsets 5, 9, 13, 17 carry flymq.txn");
            assertEquals(17, records.size());
        }
    }

    @Test
    void aWrongKeyStopsTheOpenNamingBothKeyIds() {
        try (LogStore store = open(KEY)) {
            store.getOrCreate("t", 0, LogConfig.defaults()).append(batch(0, 3));
        }
        EncryptionException e = assertThrows(EncryptionException.class, () -> open(OTHER).close());
        assertTrue(e.getMessage().contains("wrong encryption key"), e.getMessage());
        assertTrue(e.getMessage().contains(KEY.idHex()) && e.getMessage().contains(OTHER.idHex()), e.getMessage());
        assertFalse(e.getMessage().contains(HexFormat.of().formatHex(KEY.hmac())), "no key material");
    }

    @Test
    void encryptedLogsOpenedWithoutAKeyFailClearly() {
        try (LogStore store = open(KEY)) {
            store.getOrCreate("t", 0, LogConfig.defaults()).append(batch(0, 3));
        }
        EncryptionException e = assertThrows(EncryptionException.class, () -> open(null).close());
        assertTrue(e.getMessage().contains("no encryption key is given"), e.getMessage());
        assertTrue(e.getMessage().contains(EncryptionKeyIdFile.NAME), e.getMessage());
    }

    @Test
    void aSegmentCopiedInFromLogsUnderAnotherKeyFailsAtTheRecordNotWithGarbage() throws IOException {
        Path elsewhere = dataDir.resolve("elsewhere");
        try (LogStore store = LogStore.open(elsewhere, LogConfig.defaults(), StorageListener.NONE, OTHER)) {
            store.getOrCreate("t", 0, LogConfig.defaults()).append(batch(0, 3));
        }
        try (LogStore store = open(KEY)) {
            store.getOrCreate("t", 0, LogConfig.defaults());
        }
        Files.copy(elsewhere.resolve("t-0").resolve("00000000000000000000.log"),
                logs().resolve("t-0").resolve("00000000000000000000.log"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(logs().resolve("t-0").resolve("00000000000000000000.index"));
        Files.deleteIfExists(logs().resolve("t-0").resolve("00000000000000000000.timeindex"));
        Files.deleteIfExists(logs().resolve("t-0").resolve("recovery-point-offset-checkpoint"));
        try (LogStore store = open(KEY)) {
            PartitionLog log = store.get("t", 0).orElseThrow();
            assertEquals(3, log.endOffset(), "recovery reads the framing without the key");
            EncryptionException e = assertThrows(EncryptionException.class, () -> log.read(0, 10, 1 << 20));
            assertTrue(e.getMessage().contains("wrong encryption key"), e.getMessage());
            assertThrows(EncryptionException.class, () -> log.slice(0, 1 << 20));
        }
    }

    @Test
    void recoveryRebuildsIndexesAndTruncatesATornTailWithoutTheKey() throws IOException {
        try (LogStore store = open(KEY)) {
            PartitionLog log = store.getOrCreate("t", 0, LogConfig.defaults());
            log.append(batch(0, 10));
        }
        Path dir = logs().resolve("t-0");
        Path segment = dir.resolve("00000000000000000000.log");
        long size = Files.size(segment);
        try (var ch = java.nio.channels.FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(size - 5); // a torn last record, as a crash mid-write leaves it
        }
        try (Stream<Path> list = Files.list(dir)) {
            for (Path f : list.filter(f -> !f.toString().endsWith(".log")).toList()) {
                Files.delete(f); // indexes and checkpoint gone: rebuilt from the records' plain framing
            }
        }
        try (LogStore store = open(KEY)) {
            PartitionLog log = store.get("t", 0).orElseThrow();
            assertEquals(9, log.endOffset());
            assertAllRead(log, 9);
            log.append(batch(9, 1));
            assertAllRead(log, 10);
        }
    }

    @Test
    void turningEncryptionOnOverPlainLogsKeepsTheOldRecordsReadable() {
        try (LogStore store = open(null)) {
            store.getOrCreate("t", 0, LogConfig.defaults()).append(batch(0, 5));
        }
        try (LogStore store = open(KEY)) {
            PartitionLog log = store.get("t", 0).orElseThrow();
            log.append(batch(5, 5));
            assertAllRead(log, 10);
        }
        assertThrows(EncryptionException.class, () -> open(null).close(), "off again: the new records are sealed");
    }

    @Test
    void filesAreOwnerOnlyAndDirectoriesOwnerOnly() throws IOException {
        try (LogStore store = open(KEY)) {
            store.getOrCreate("t", 0, LogConfig.defaults()).append(batch(0, 3));
        }
        new AtomicFile(dataDir.resolve("x").resolve("state.json")).write(new byte[] {1});
        try (OffsetStore offsets = OffsetStore.open(dataDir.resolve("groups").resolve("offsets"))) {
            offsets.put("g", 1);
        }
        try (Stream<Path> walk = Files.walk(dataDir)) {
            for (Path p : walk.filter(p -> !p.equals(dataDir)).toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                assertEquals(Files.isDirectory(p) ? "rwx------" : "rw-------", mode, p.toString());
            }
        }
    }

    @Test
    void afterARotationOldRecordsReadUnderThePreviousKeyAndNewOnesAreSealedUnderTheNewOne() throws IOException {
        try (LogStore store = open(KEY)) {
            store.getOrCreate("t", 0, LogConfig.defaults()).append(batch(0, 10));
        }
        EncryptionKey rotated = OTHER.withPrevious(List.of(KEY));
        try (LogStore store = open(rotated)) {
            PartitionLog log = store.getOrCreate("t", 0, LogConfig.defaults());
            log.append(batch(10, 10));
            assertAllRead(log, 20);
        }
        assertEquals(OTHER.idHex(), Files.readString(logs().resolve(EncryptionKeyIdFile.NAME)).strip(),
                "the directory now names the new key");
        // the new key alone opens the directory, reads the new records and names the old key for the old ones
        try (LogStore store = open(OTHER)) {
            PartitionLog log = store.getOrCreate("t", 0, LogConfig.defaults());
            assertEquals(20, log.endOffset());
            EncryptionException e = assertThrows(EncryptionException.class, () -> log.read(0, 10, 1 << 20));
            assertTrue(e.getMessage().contains("key id " + KEY.idHex()) && e.getMessage().contains("wrong"),
                    e.getMessage());
            assertEquals(10, log.read(10, 10, 1 << 20).size());
        }
        // the old key alone no longer does: records exist that it cannot read
        EncryptionException e = assertThrows(EncryptionException.class, () -> open(KEY).close());
        assertTrue(e.getMessage().contains(OTHER.idHex()), e.getMessage());
        // nor does a ring without the key the directory names
        EncryptionKey third = EncryptionKey.of(new byte[EncryptionKey.KEY_BYTES]);
        assertThrows(EncryptionException.class, () -> open(third.withPrevious(List.of(KEY))).close());
    }

    @Test
    void aKeyRingNamesOnlyKeyIds() {
        EncryptionKey ring = OTHER.withPrevious(List.of(KEY, KEY, OTHER));
        assertEquals(List.of(KEY), ring.previous(), "duplicates and the current key are dropped");
        assertEquals("EncryptionKey[id " + OTHER.idHex() + ", previous " + KEY.idHex() + "]", ring.toString());
        assertEquals(KEY, ring.forId(KEY.id()));
        assertEquals(null, ring.forId(KEY.id() + 1));
    }
}
