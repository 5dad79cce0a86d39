package flymq.storage.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * The raw-disk baseline for {@link AppendBenchmark}: the same bytes, files and sync policy, with no storage engine.
 *
 * <p>Each call writes one prepared direct buffer of exactly the size an appended batch encodes to
 * ({@code batchSize * (recordBytes + 35)}: 35 bytes of framing per record without key or headers) with one
 * positional {@code FileChannel.write}, like the log. Files roll at 64 MiB the way segments do (before a write that
 * would pass 64 MiB), and files beyond 512 MiB of history are deleted, like the log's retention. The sync policy is
 * the log's:
 * <ul>
 *   <li>{@code OS}: nothing is fsynced on the write path; each finished file is fsynced (force(true)) and old files
 *       are deleted on a background thread, as the log's housekeeping thread does for sealed segments;</li>
 *   <li>{@code EVERY_BATCH}: force(false) after every write, and a finished file is forced (true) on the writing
 *       thread before the next is created, as the log does under that policy.</li>
 * </ul>
 * What the log does on top (encoding and CRC32C of each record, index entries, the append lock, the recovery
 * checkpoint, directory fsyncs on roll) is exactly what the ratio append/raw measures.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class RawWriteBenchmark {

    static final int RECORD_FRAMING = 35;
    private static final long FILE_BYTES = 64L << 20;
    private static final long RETAIN_BYTES = 512L << 20;

    @Param({"100", "1024"})
    int recordBytes;

    @Param({"1", "100", "1000"})
    int batchSize;

    @Param({"OS"})
    String sync;

    private Path dir;
    private FileChannel channel;
    private ByteBuffer chunk;
    private long written;
    private int fileNo;
    private boolean everyBatch;
    private final ArrayDeque<Path> finished = new ArrayDeque<>();
    private ExecutorService background;

    /** Per-iteration totals reported next to the primary score (writes/s, comparable to batches/s). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Volume {
        public long records;
        public long payloadBytes;

        @Setup(Level.Iteration)
        public void reset() {
            records = 0;
            payloadBytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        everyBatch = switch (sync) {
            case "OS" -> false;
            case "EVERY_BATCH" -> true;
            default -> throw new IllegalArgumentException("sync must be OS or EVERY_BATCH, got " + sync);
        };
        dir = BenchDirs.create("flymq-raw");
        chunk = ByteBuffer.allocateDirect(batchSize * (recordBytes + RECORD_FRAMING));
        while (chunk.hasRemaining()) {
            chunk.put((byte) chunk.position());
        }
        background = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "raw-housekeeping");
            t.setDaemon(true);
            return t;
        });
        nextFile();
    }

    private void nextFile() throws IOException {
        if (channel != null) {
            FileChannel done = channel;
            if (everyBatch) {
                done.force(true);
                done.close();
            } else {
                background.execute(() -> {
                    try (done) {
                        done.force(true);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
        Path file = dir.resolve(String.format("%020d.raw", fileNo++));
        channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        finished.add(file);
        written = 0;
        if ((long) (finished.size() - 1) * FILE_BYTES > RETAIN_BYTES) {
            Path oldest = finished.poll();
            background.execute(() -> {
                try {
                    Files.deleteIfExists(oldest);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException, InterruptedException {
        background.shutdown();
        background.awaitTermination(1, TimeUnit.MINUTES);
        channel.close();
        BenchDirs.delete(dir);
    }

    @Benchmark
    public long write(Volume volume) throws IOException {
        int bytes = chunk.capacity();
        if (written > 0 && written + bytes > FILE_BYTES) {
            nextFile();
        }
        chunk.clear();
        long pos = written;
        while (chunk.hasRemaining()) {
            pos += channel.write(chunk, pos);
        }
        if (everyBatch) {
            channel.force(false);
        }
        written = pos;
        volume.records += batchSize;
        volume.payloadBytes += (long) batchSize * recordBytes;
        return pos;
    }
}
