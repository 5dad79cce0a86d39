package flymq.storage.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeIndexTest {

    @TempDir
    Path dir;

    @Test
    void entriesSurviveTrimAndReopen() throws Exception {
        Path file = dir.resolve("00000000000000000050.timeindex");
        TimeIndex index = TimeIndex.open(file, 50, 0, 16);
        index.maybeAppend(1000, 60);
        index.maybeAppend(2000, 70);
        index.trim();
        assertEquals(24, Files.size(file));
        TimeIndex reopened = TimeIndex.open(file, 50, 100, 0);
        assertEquals(2, reopened.entries());
        assertEquals(2000, reopened.lastTimestamp());
        assertEquals(70, reopened.offsetAt(1));
    }

    @Test
    void onlyGrowingTimestampsAreRecorded() {
        TimeIndex index = TimeIndex.open(dir.resolve("t.timeindex"), 0, 0, 16);
        index.maybeAppend(1000, 5);
        index.maybeAppend(900, 6);
        index.maybeAppend(1000, 7);
        index.maybeAppend(1001, 8);
        assertEquals(2, index.entries());
    }

    @Test
    void scanStartsAfterTheLastEntryOlderThanTheTarget() {
        TimeIndex index = TimeIndex.open(dir.resolve("s.timeindex"), 100, 0, 16);
        index.maybeAppend(1000, 110);
        index.maybeAppend(2000, 120);
        assertEquals(100, index.scanStartFor(1000));
        assertEquals(111, index.scanStartFor(1001));
        assertEquals(121, index.scanStartFor(5000));
    }

    @Test
    void entriesBeyondTheRecordCountAreDropped() {
        Path file = dir.resolve("r.timeindex");
        TimeIndex index = TimeIndex.open(file, 0, 0, 16);
        index.maybeAppend(10, 3);
        index.maybeAppend(20, 9);
        assertEquals(1, TimeIndex.open(file, 0, 5, 16).entries());
    }
}
