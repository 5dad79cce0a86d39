package flymq.storage.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The machine's raw sequential write speed as the storage engine sees it: a plain FileChannel loop writing 1 MiB
 * direct buffers to a file, starting a new 64 MiB file and deleting the oldest past 512 MiB, like a log with the same
 * segment size and retention. The baseline for {@link AppendBenchmark}. With {@code syncEachFile} every finished
 * 64 MiB file is fsynced, as the log does with each sealed segment (SyncPolicy.OS, in the background); without it
 * nothing ever waits for the disk (most data is deleted before writeback), which measures the page cache.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class RawWriteBenchmark {

    private static final int CHUNK = 1 << 20;
    private static final long FILE_BYTES = 64L << 20;
    private static final int KEEP_FILES = 8;

    @Param({"false", "true"})
    boolean syncEachFile;

    private Path dir;
    private FileChannel channel;
    private ByteBuffer chunk;
    private long written;
    private int fileNo;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Volume {
        public long payloadBytes;

        @Setup(Level.Iteration)
        public void reset() {
            payloadBytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = BenchDirs.create("flymq-raw");
        chunk = ByteBuffer.allocateDirect(CHUNK);
        while (chunk.hasRemaining()) {
            chunk.put((byte) chunk.position());
        }
        nextFile();
    }

    private void nextFile() throws IOException {
        if (channel != null) {
            if (syncEachFile) {
                channel.force(true);
            }
            channel.close();
        }
        Files.deleteIfExists(dir.resolve("raw-" + (fileNo - KEEP_FILES)));
        channel = FileChannel.open(dir.resolve("raw-" + fileNo++), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        written = 0;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        channel.close();
        BenchDirs.delete(dir);
    }

    @Benchmark
    public long sequentialWrite1MiB(Volume volume) throws IOException {
        if (written >= FILE_BYTES) {
            nextFile();
        }
        chunk.clear();
        while (chunk.hasRemaining()) {
            channel.write(chunk);
        }
        written += CHUNK;
        volume.payloadBytes += CHUNK;
        return written;
    }
}
