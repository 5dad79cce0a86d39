package flymq.storage.log;

import static flymq.storage.log.LogTesting.assertRecordAt;
import static flymq.storage.log.LogTesting.batch;
import static flymq.storage.log.LogTesting.config;
import static flymq.storage.log.LogTesting.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.Header;
import flymq.storage.Record;
import flymq.storage.StoredRecord;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Appending records that arrive already in the stored layout (a replicated batch) without decoding them. */
class AppendStoredTest {

    @TempDir
    Path dir;

    /** The records in the stored layout, each with the offset {@code carried} (which the log must overwrite). */
    static ByteBuffer stored(List<Record> records, long carried) {
        int size = 0;
        for (Record r : records) {
            size += StoredRecordLayout.sizeOf(r.key(), r.value(), r.headers(), Header::key, Header::value,
                    r.expiresAt());
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        CRC32C crc = new CRC32C();
        for (Record r : records) {
            StoredRecordLayout.encode(b, crc, carried, r.timestamp(), r.key(), r.value(), r.headers(), Header::key,
                    Header::value, r.expiresAt());
        }
        return b.flip();
    }

    @Test
    void storedRecordsGetTheLogsOffsetsAndValidCrcsAndReadBackAsAppended() {
        try (SegmentedLog log = open(dir, config(4096))) {
            log.append(batch(0, 5, 100, 1));
            ByteBuffer bytes = stored(batch(5, 40, 100, 1), 999);
            int before = bytes.position();
            assertEquals(5, log.appendStored(bytes, 40));
            assertEquals(before, bytes.position(), "the caller's buffer is not consumed");
            assertEquals(45, log.appendStored(stored(batch(45, 5, 100, 1), 0), 5));
            assertEquals(50, log.endOffset());
            assertTrue(log.segmentCount() > 1, "rolled across segments");
        }
        // read after a reopen: recovery checks every CRC of the last segment and rebuilds its indexes
        try (SegmentedLog log = open(dir, config(4096))) {
            assertEquals(50, log.endOffset());
            for (long o = 0; o < 50; o++) {
                List<StoredRecord> got = log.read(o, 1, 1 << 20);
                assertRecordAt(o, got.get(0), 100);
            }
        }
    }

    @Test
    void timestampsAndExpiriesOfStoredRecordsReachTheIndexes() {
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            Record plain = new Record(1_000, null, new byte[] {1}, List.of());
            Record expiring = new Record(2_000, "k".getBytes(), new byte[] {2}, List.of(), 5_000);
            log.appendStored(stored(List.of(plain, expiring), 0), 2);
            assertEquals(1, log.offsetForTimestamp(1_500));
            assertEquals(1, log.countExpired(0, 2, 5_000));
            assertEquals(0, log.countExpired(0, 2, 4_999));
            assertEquals(5_000, log.read(1, 1, 1 << 20).get(0).expiresAt());
        }
    }

    @Test
    void bytesThatAreNotExactlyTheAnnouncedRecordsAreRefusedAndAppendNothing() {
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            log.append(batch(0, 2, 10, 1));
            ByteBuffer three = stored(batch(2, 3, 10, 1), 0);
            assertThrows(IllegalArgumentException.class, () -> log.appendStored(three.duplicate(), 4), "fewer");
            assertThrows(IllegalArgumentException.class, () -> log.appendStored(three.duplicate(), 2), "more");
            assertThrows(IllegalArgumentException.class, () -> log.appendStored(three.duplicate(), 0), "none");
            ByteBuffer cut = three.duplicate();
            cut.limit(cut.limit() - 1);
            assertThrows(IllegalArgumentException.class, () -> log.appendStored(cut, 3), "truncated");
            ByteBuffer badLength = ByteBuffer.allocate(three.remaining()).put(three.duplicate()).flip();
            badLength.putInt(0, 1 << 29);
            assertThrows(IllegalArgumentException.class, () -> log.appendStored(badLength, 3), "length");
            ByteBuffer sealed = ByteBuffer.allocate(three.remaining()).put(three.duplicate()).flip();
            sealed.put(StoredRecordLayout.ATTRIBUTES_POS, (byte) StoredRecordLayout.ATTR_ENCRYPTED);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> log.appendStored(sealed, 3), "a sealed value is never taken as plain");
            assertTrue(e.getMessage().contains("attributes"), e.getMessage());
            ByteBuffer noExpiry = stored(List.of(new Record(1, null, new byte[] {1}, List.of(), 7)), 0);
            noExpiry.putLong(noExpiry.limit() - 8, 0);
            assertThrows(IllegalArgumentException.class, () -> log.appendStored(noExpiry, 1), "expiry 0 with its bit");
            ByteBuffer bitWithoutHeader = stored(batch(2, 1, 10, 1), 0);
            bitWithoutHeader.put(StoredRecordLayout.ATTRIBUTES_POS, (byte) StoredRecordLayout.TRANSACTIONAL);
            e = assertThrows(IllegalArgumentException.class, () -> log.appendStored(bitWithoutHeader, 1));
            assertTrue(e.getMessage().contains("transaction bits"), e.getMessage());
            ByteBuffer headerWithoutBit = stored(List.of(new Record(1, null, new byte[] {1},
                    List.of(new Header(StoredRecordLayout.TXN_HEADER, new byte[8])))), 0);
            headerWithoutBit.put(StoredRecordLayout.ATTRIBUTES_POS, (byte) 0);
            assertThrows(IllegalArgumentException.class, () -> log.appendStored(headerWithoutBit, 1),
                    "a transactional record must say so, or its replica's transactions never learn of it");
            assertEquals(2, log.endOffset());
            assertEquals(2, log.appendStored(three, 3));
            for (long o = 0; o < 5; o++) {
                assertRecordAt(o, log.read(o, 1, 1 << 20).get(0), 10);
            }
        }
    }
}
