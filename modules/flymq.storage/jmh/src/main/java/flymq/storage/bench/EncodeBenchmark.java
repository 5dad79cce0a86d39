package flymq.storage.bench;

import flymq.storage.Record;
import flymq.storage.record.BatchBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The CPU part of an append alone: encoding a batch (copy into the direct buffer + CRC32C per record), no I/O.
 * Explains how much of {@link AppendBenchmark} is encoding versus the write itself. (Runs on the class path, so it
 * may use the internal BatchBuffer.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EncodeBenchmark {

    @Param({"100", "1024"})
    int recordBytes;

    @Param({"1000"})
    int batchSize;

    private final BatchBuffer buffer = new BatchBuffer();
    private List<Record> batch;

    @Setup
    public void setup() {
        batch = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
            batch.add(new Record(System.currentTimeMillis(), null, new byte[recordBytes], List.of()));
        }
    }

    @Benchmark
    public int encodeBatch() {
        buffer.encode(batch, 0);
        return buffer.sizeInBytes();
    }
}
