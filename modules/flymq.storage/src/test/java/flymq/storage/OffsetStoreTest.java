package flymq.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OffsetStoreTest {

    @TempDir
    Path dir;

    @Test
    void putsAndRemovesSurviveReopen() {
        Path file = dir.resolve("offsets/groups.log");
        try (OffsetStore s = OffsetStore.open(file)) {
            s.put("g1/orders/0", 10);
            s.put("g1/orders/1", 20);
            s.put("g1/orders/0", 11);
            s.remove("g1/orders/1");
        }
        try (OffsetStore s = OffsetStore.open(file)) {
            assertEquals(Map.of("g1/orders/0", 11L), s.snapshot());
            assertEquals(OptionalLong.of(11), s.get("g1/orders/0"));
            assertTrue(s.get("g1/orders/1").isEmpty());
        }
    }

    @Test
    void aTornTailIsDroppedAndEverythingBeforeItKept() throws IOException {
        Path file = dir.resolve("o.log");
        long sizeAfterTwo;
        try (OffsetStore s = OffsetStore.open(file)) {
            s.put("a", 1);
            s.put("b", 2);
            sizeAfterTwo = Files.size(file);
            s.put("c", 3);
        }
        for (long cut = Files.size(file) - 1; cut > sizeAfterTwo; cut--) {
            Path copy = dir.resolve("cut-" + cut);
            Files.copy(file, copy);
            try (RandomAccessFile raf = new RandomAccessFile(copy.toFile(), "rw")) {
                raf.setLength(cut);
            }
            try (OffsetStore s = OffsetStore.open(copy)) {
                assertEquals(Map.of("a", 1L, "b", 2L), s.snapshot(), "cut at " + cut);
                s.put("d", 4); // appends after the dropped tail, not after garbage
            }
            try (OffsetStore s = OffsetStore.open(copy)) {
                assertEquals(Map.of("a", 1L, "b", 2L, "d", 4L), s.snapshot());
            }
        }
    }

    @Test
    void aCorruptEntryEndsTheReplay() throws IOException {
        Path file = dir.resolve("o.log");
        long firstEnd;
        try (OffsetStore s = OffsetStore.open(file)) {
            s.put("a", 1);
            firstEnd = Files.size(file);
            s.put("b", 2);
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(firstEnd + 12);
            raf.write(0x55);
        }
        try (OffsetStore s = OffsetStore.open(file)) {
            assertEquals(Map.of("a", 1L), s.snapshot());
        }
    }

    @Test
    void compactionKeepsTheLiveMapAndShrinksTheFile() throws IOException {
        Path file = dir.resolve("o.log");
        Map<String, Long> expected = new HashMap<>();
        try (OffsetStore s = OffsetStore.open(file, 2048)) {
            for (int i = 0; i < 400; i++) {
                s.put("k" + (i % 5), i);
                expected.put("k" + (i % 5), (long) i);
            }
            assertTrue(Files.size(file) < 4096, "compacted, size " + Files.size(file));
        }
        try (OffsetStore s = OffsetStore.open(file)) {
            assertEquals(expected, s.snapshot());
        }
    }

    @Test
    void useAfterCloseFailsClearly() {
        OffsetStore s = OffsetStore.open(dir.resolve("o.log"));
        s.close();
        assertThrows(StorageException.class, () -> s.put("a", 1));
    }
}
