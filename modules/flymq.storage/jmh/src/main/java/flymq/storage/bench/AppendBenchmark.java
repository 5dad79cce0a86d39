package flymq.storage.bench;

import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.storage.StorageListener;
import flymq.storage.SyncPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * One thread appending batches to one partition log: 64 MiB segments, retention 512 MiB (so the disk does not fill),
 * housekeeping (retention, syncing sealed segments, recovery checkpoint) every 1 s on the store's background
 * thread as in the broker (LogStore's default interval; {@code -Dflymq.bench.housekeepingMs} changes it), and the
 * sync policy of the {@code sync} parameter ({@code OS} by default). Records have no key and no headers.
 * {@link RawWriteBenchmark} with the same parameters writes the same bytes to the same files with the same syncs
 * and nothing else. Score = batches/s; the aux counters give records/s and payload bytes/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class AppendBenchmark {

    @Param({"100", "1024"})
    int recordBytes;

    @Param({"1", "100", "1000"})
    int batchSize;

    @Param({"OS"})
    String sync;

    private Path dir;
    private LogStore store;
    private PartitionLog log;
    private List<Record> batch;

    /** Per-iteration totals reported next to the primary score. */
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
        dir = BenchDirs.create("flymq-append");
        LogConfig config = LogConfig.defaults().withSyncPolicy(SyncPolicy.valueOf(sync))
                .withRetentionBytes(512L << 20);
        store = LogStore.open(dir, config, StorageListener.NONE,
                Duration.ofMillis(Long.getLong("flymq.bench.housekeepingMs", 1000)));
        log = store.getOrCreate("bench", 0, config);
        batch = new ArrayList<>(batchSize);
        long now = System.currentTimeMillis();
        for (int i = 0; i < batchSize; i++) {
            byte[] value = new byte[recordBytes];
            value[i % recordBytes] = (byte) i;
            batch.add(new Record(now, null, value, List.of()));
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        BenchDirs.delete(dir);
    }

    @Benchmark
    public long append(Volume volume) {
        long first = log.append(batch);
        volume.records += batchSize;
        volume.payloadBytes += (long) batchSize * recordBytes;
        return first;
    }
}
