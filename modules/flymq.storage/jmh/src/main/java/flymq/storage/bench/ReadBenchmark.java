package flymq.storage.bench;

import flymq.storage.LogConfig;
import flymq.storage.LogSlice;
import flymq.storage.LogStore;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.storage.StorageListener;
import flymq.storage.StoredRecord;
import flymq.storage.SyncPolicy;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Reads from a log of 1,000,000 records of 100 B (about 135 MB over 3 segments of 64 MiB, in the page cache as a
 * consumer that keeps up would find it): sequential reads of up to 500 records / 1 MiB, random single-record reads by
 * offset, and sequential zero-copy slices of 1 MiB sent to /dev/null.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class ReadBenchmark {

    private static final int RECORDS = 1_000_000;
    private static final int RECORD_BYTES = 100;

    private Path dir;
    private LogStore store;
    private PartitionLog log;
    private long next;
    private final SplittableRandom random = new SplittableRandom(42);
    private FileChannel devNull;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Volume {
        public long records;

        @Setup(Level.Iteration)
        public void reset() {
            records = 0;
        }
    }

    @Setup(Level.Trial)
    public void fill() throws IOException {
        dir = BenchDirs.create("flymq-read");
        LogConfig config = LogConfig.defaults().withSyncPolicy(SyncPolicy.OS);
        store = LogStore.open(dir, config, StorageListener.NONE);
        log = store.getOrCreate("bench", 0, config);
        List<Record> batch = new ArrayList<>(1000);
        for (int i = 0; i < 1000; i++) {
            batch.add(new Record(System.currentTimeMillis(), null, new byte[RECORD_BYTES], List.of()));
        }
        for (int i = 0; i < RECORDS / 1000; i++) {
            log.append(batch);
        }
        devNull = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        devNull.close();
        store.close();
        BenchDirs.delete(dir);
    }

    @Benchmark
    public List<StoredRecord> sequentialRead(Volume volume) {
        if (next >= RECORDS) {
            next = 0;
        }
        List<StoredRecord> got = log.read(next, 500, 1 << 20);
        next += got.size();
        volume.records += got.size();
        return got;
    }

    @Benchmark
    public StoredRecord randomReadByOffset(Volume volume) {
        List<StoredRecord> got = log.read(random.nextLong(RECORDS), 1, 1);
        volume.records++;
        return got.get(0);
    }

    @Benchmark
    public long sequentialSliceToDevNull(Volume volume) throws IOException {
        if (next >= RECORDS) {
            next = 0;
        }
        LogSlice slice = log.slice(next, 1 << 20);
        next = slice.nextOffset();
        volume.records += slice.recordCount();
        return slice.transferTo(devNull);
    }
}
