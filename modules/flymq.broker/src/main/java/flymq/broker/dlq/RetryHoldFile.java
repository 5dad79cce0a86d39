package flymq.broker.dlq;

import flymq.storage.AtomicFile;
import java.nio.file.Path;

/**
 * A single node's retry holds on disk: {@code <data_dir>/dlq/retry-holds}, the holds that had not ended at the last
 * change in {@link RetryHolds}' binary form, replaced atomically (and fsynced) on every change, so a restart in the
 * middle of a retry delay keeps it. The file holds only unended holds, so it stays as small as the table.
 */
public final class RetryHoldFile implements RetryHoldLog {
    private final AtomicFile file;
    private final RetryHolds holds;

    private RetryHoldFile(AtomicFile file, RetryHolds holds) {
        this.file = file;
        this.holds = holds;
    }

    /** Loads {@code path} (absent: no holds) into {@code holds}. */
    public static RetryHoldFile open(Path path, RetryHolds holds) {
        AtomicFile file = new AtomicFile(path);
        file.read().ifPresent(bytes -> holds.replace(RetryHolds.decode(bytes, 0, path.toString())));
        return new RetryHoldFile(file, holds);
    }

    @Override
    public synchronized void record(RetryHolds.Hold change) {
        holds.apply(change);
        file.write(holds.encode());
    }
}
