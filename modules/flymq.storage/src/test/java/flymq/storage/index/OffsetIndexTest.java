package flymq.storage.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OffsetIndexTest {

    @TempDir
    Path dir;

    @Test
    void entriesSurviveTrimAndReopen() throws IOException {
        Path file = dir.resolve("00000000000000000100.index");
        OffsetIndex index = OffsetIndex.open(file, 100, Integer.MAX_VALUE, 1000);
        for (int i = 1; i <= 500; i++) {
            index.append(100 + i * 10L, i * 4096);
        }
        index.trim();
        assertEquals(500 * 8, Files.size(file));
        OffsetIndex reopened = OffsetIndex.open(file, 100, Integer.MAX_VALUE, 0);
        assertEquals(500, reopened.entries());
        assertEquals(100 + 250 * 10, reopened.offsetAt(249));
        assertEquals(250 * 4096, reopened.positionAt(249));
    }

    @Test
    void lookupFindsTheGreatestEntryAtOrBelow() {
        OffsetIndex index = OffsetIndex.open(dir.resolve("a.index"), 0, 1 << 20, 10);
        index.append(10, 4096);
        index.append(20, 8192);
        assertEquals(-1, index.floorEntryForOffset(9));
        assertEquals(0, index.floorEntryForOffset(10));
        assertEquals(0, index.floorEntryForOffset(19));
        assertEquals(1, index.floorEntryForOffset(1000));
        assertEquals(0, index.floorEntryForPosition(8191));
        assertEquals(1, index.floorEntryForPosition(8192));
    }

    @Test
    void growsBeyondItsPreallocation() {
        OffsetIndex index = OffsetIndex.open(dir.resolve("g.index"), 0, Integer.MAX_VALUE, 2);
        for (int i = 1; i <= 10_000; i++) {
            index.append(i, i * 10);
        }
        assertEquals(10_000, index.entries());
        assertEquals(5000, index.offsetAt(index.floorEntryForOffset(5000)));
    }

    @Test
    void preallocatedZerosAreNotEntries() {
        Path file = dir.resolve("z.index");
        OffsetIndex index = OffsetIndex.open(file, 0, 1 << 20, 100);
        index.append(3, 5000);
        // not trimmed: a crash leaves the preallocated file
        assertEquals(1, OffsetIndex.open(file, 0, 1 << 20, 100).entries());
    }

    @Test
    void entriesAfterAGarbledOneAreDropped() throws IOException {
        Path file = dir.resolve("c.index");
        OffsetIndex index = OffsetIndex.open(file, 0, 1 << 20, 0);
        for (int i = 1; i <= 10; i++) {
            index.append(i * 10L, i * 5000);
        }
        index.trim();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).putInt(0, 1), 5 * 8); // entry 5's offset goes backwards
        }
        assertEquals(5, OffsetIndex.open(file, 0, 1 << 20, 0).entries());
    }

    @Test
    void entriesPointingPastTheLogAreDropped() {
        Path file = dir.resolve("p.index");
        OffsetIndex index = OffsetIndex.open(file, 0, 1 << 20, 0);
        index.append(10, 4096);
        index.append(20, 8192);
        index.trim();
        assertEquals(1, OffsetIndex.open(file, 0, 8000, 0).entries());
    }
}
