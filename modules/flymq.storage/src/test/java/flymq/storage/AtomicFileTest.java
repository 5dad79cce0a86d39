package flymq.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

    @TempDir
    Path dir;

    @Test
    void contentRoundTrips() {
        AtomicFile f = new AtomicFile(dir.resolve("meta/topics.json"));
        f.write("{\"a\":1}".getBytes());
        assertArrayEquals("{\"a\":1}".getBytes(), new AtomicFile(dir.resolve("meta/topics.json")).read().orElseThrow());
    }

    @Test
    void neverWrittenReadsEmpty() {
        assertTrue(new AtomicFile(dir.resolve("none")).read().isEmpty());
    }

    @Test
    void writeReplacesTheWholeContent() {
        AtomicFile f = new AtomicFile(dir.resolve("x"));
        f.write(new byte[1000]);
        f.write(new byte[] {7});
        assertArrayEquals(new byte[] {7}, f.read().orElseThrow());
    }

    @Test
    void aLeftoverTempFileFromACrashIsIgnored() throws Exception {
        AtomicFile f = new AtomicFile(dir.resolve("x"));
        f.write(new byte[] {1});
        Files.write(dir.resolve("x.tmp"), new byte[] {9, 9}); // crash between temp write and rename
        assertArrayEquals(new byte[] {1}, f.read().orElseThrow());
        f.write(new byte[] {2});
        assertArrayEquals(new byte[] {2}, f.read().orElseThrow());
    }
}
