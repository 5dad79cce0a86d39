package flymq.storage.log;

import flymq.storage.LogConfig;
import flymq.storage.Record;
import flymq.storage.StorageListener;
import flymq.storage.SyncPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link KillNineTest}: appends batches with fsync per batch and prints "ack <first> <count>" after
 * each append returns, until it is killed (or 60 s pass, so a lost parent does not leave it running).
 */
public final class AppendingChild {

    private AppendingChild() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        LogConfig config = LogConfig.defaults().withSegmentBytes(64 * 1024).withSyncPolicy(SyncPolicy.EVERY_BATCH);
        SegmentedLog log = SegmentedLog.open(dir, "kill", 0, config, StorageListener.NONE, System::currentTimeMillis);
        long deadline = System.currentTimeMillis() + 60_000;
        long next = log.endOffset();
        System.out.println("ready " + next);
        System.out.flush();
        while (System.currentTimeMillis() < deadline) {
            int n = 1 + (int) (next % 17);
            List<Record> batch = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                batch.add(record(next + i));
            }
            long first = log.append(batch);
            System.out.println("ack " + first + " " + n);
            System.out.flush();
            next = first + n;
        }
        System.exit(3);
    }

    /** The record that belongs at offset: its value is derived from the offset, so the parent can check it. */
    static Record record(long offset) {
        byte[] value = ("record-" + offset + "-" + "x".repeat((int) (offset % 200))).getBytes(StandardCharsets.UTF_8);
        return new Record(offset, null, value, List.of());
    }
}
