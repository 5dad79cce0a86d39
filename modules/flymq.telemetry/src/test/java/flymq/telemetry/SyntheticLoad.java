package flymq.telemetry;

/** Events a busy broker would report: produces, consumes, commits, storage traffic, one connection, fsyncs. */
final class SyntheticLoad {
    static final int PRODUCE_CALLS = 20;
    static final int PRODUCED = PRODUCE_CALLS * 5;
    static final int CONSUMED = 40;
    static final int RECORD_BYTES = 100;

    static void apply(FlyMqMetrics m) {
        m.connectionOpened();
        for (int i = 0; i < PRODUCE_CALLS; i++) {
            int partition = i % 2;
            m.produced("orders", partition, 5, 5L * RECORD_BYTES, 80_000);
            m.storageWritten("orders", partition, 5L * RECORD_BYTES);
            m.storageSynced(300_000 + i * 10_000L);
        }
        for (int i = 0; i < CONSUMED / 4; i++) {
            m.consumed("orders", i % 2, "billing", 4, 4L * RECORD_BYTES, 2_000_000);
            m.storageRead("orders", i % 2, 4L * RECORD_BYTES);
            m.committed("billing", "orders", i % 2, i);
        }
        m.rebalanced("billing");
    }

    private SyntheticLoad() {
    }
}
