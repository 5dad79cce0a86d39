package flymq.broker.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerListener;
import flymq.broker.fetch.BatchFetchHandler;
import flymq.broker.fetch.FetchHandler;
import flymq.broker.observe.RequestTracing;
import flymq.broker.produce.LocalAcknowledger;
import flymq.broker.server.ResponseTail;
import flymq.broker.server.Session;
import flymq.broker.topic.TopicManager;
import flymq.broker.topic.TopicSettings;
import flymq.protocol.Acks;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.BatchFetchRequest;
import flymq.protocol.message.BatchFetchResponse;
import flymq.protocol.message.FetchRequest;
import flymq.protocol.message.FetchResponse;
import flymq.protocol.record.RecordFactory;
import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.Record;
import flymq.storage.StorageListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random histories of transactional and plain produces across 3 partitions, commits, aborts, timeouts and restarts,
 * against the coordinator with the real logs and the real read paths (FETCH and read-committed BATCH_FETCH, with
 * small fetch sizes so that answers are cut and filtered in every way). After every step a read-committed reader
 * of each partition, reading from offset 0, must get exactly the plain and committed records below the oldest open
 * transaction's first record, once each, in offset order: never a record of an aborted or undecided transaction,
 * never a marker. A restart (logs and coordinator closed and reopened; the coordinator's state file is what a killed
 * process leaves, since nothing is written on close) aborts the transactions that were open.
 */
class TransactionHistoryProperties {
    private static final int PARTITIONS = 3;
    private static final int SLOTS = 3;
    private static final long TIMEOUT_MS = 10_000;
    private static final String TOPIC = "history";
    private static final TransactionCoordinator.GroupOffsets NO_GROUPS = new TransactionCoordinator.GroupOffsets() {
        @Override
        public void check(String request, String topic, String group, int partition, long offset) {
            throw new AssertionError("no group offsets in these histories");
        }

        @Override
        public void commit(String topic, String group, int partition, long offset) {
            throw new AssertionError("no group offsets in these histories");
        }
    };

    sealed interface Op permits Begin, TxProduce, Plain, Commit, Abort, Timeout, Restart {
    }

    record Begin() implements Op {
    }

    record TxProduce(int slot, int partition, int count) implements Op {
    }

    record Plain(int partition, int count) implements Op {
    }

    record Commit(int slot) implements Op {
    }

    record Abort(int slot) implements Op {
    }

    /** The clock jumps past the timeout: every open transaction is aborted by {@code expire}. */
    record Timeout() implements Op {
    }

    record Restart() implements Op {
    }

    @Provide
    Arbitrary<List<Op>> histories() {
        Arbitrary<Integer> slot = Arbitraries.integers().between(0, SLOTS - 1);
        Arbitrary<Integer> partition = Arbitraries.integers().between(0, PARTITIONS - 1);
        Arbitrary<Integer> count = Arbitraries.integers().between(1, 4);
        Arbitrary<Op> begin = Arbitraries.just(new Begin());
        Arbitrary<Op> txProduce = Combinators.combine(slot, partition, count).as(TxProduce::new);
        Arbitrary<Op> plain = Combinators.combine(partition, count).as(Plain::new);
        Arbitrary<Op> commit = slot.map(Commit::new);
        Arbitrary<Op> abort = slot.map(Abort::new);
        Arbitrary<Op> timeout = Arbitraries.just(new Timeout());
        Arbitrary<Op> restart = Arbitraries.just(new Restart());
        @SuppressWarnings("unchecked")
        Arbitrary<Op> op = Arbitraries.frequencyOf(Tuple.of(3, begin), Tuple.of(7, txProduce), Tuple.of(4, plain),
                Tuple.of(2, commit), Tuple.of(2, abort), Tuple.of(1, timeout), Tuple.of(1, restart));
        return op.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 60)
    void readCommittedReadersSeeEveryCommittedRecordOnceInOrderAndNothingElse(@ForAll("histories") List<Op> ops)
            throws IOException {
        Path dir = Files.createTempDirectory("txn-history");
        try (Harness h = new Harness(dir)) {
            for (Op op : ops) {
                h.apply(op);
                h.check(op);
            }
            h.apply(new Timeout());
            h.check(new Timeout());
            for (int p = 0; p < PARTITIONS; p++) {
                assertEquals(h.model.visible(p, Long.MAX_VALUE), h.readFetch(p), "everything decided: partition " + p);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** What the reader must see: every record produced, by partition and offset, and the fate of its transaction. */
    static final class Model {
        /** partition -> offset -> value; transaction id or 0 for plain records. */
        final List<TreeMap<Long, String>> values = new ArrayList<>();
        final List<Map<Long, Long>> txnOf = new ArrayList<>();
        final Map<Long, String> state = new HashMap<>(); // id -> open, committed, aborted
        /** open transaction id -> partition -> its first offset there. */
        final Map<Long, Map<Integer, Long>> firstOffsets = new HashMap<>();

        Model() {
            for (int p = 0; p < PARTITIONS; p++) {
                values.add(new TreeMap<>());
                txnOf.add(new HashMap<>());
            }
        }

        long lastStable(int partition) {
            long lso = Long.MAX_VALUE;
            for (Map.Entry<Long, Map<Integer, Long>> e : firstOffsets.entrySet()) {
                if (state.get(e.getKey()).equals("open") && e.getValue().containsKey(partition)) {
                    lso = Math.min(lso, e.getValue().get(partition));
                }
            }
            return lso;
        }

        List<String> visible(int partition, long bound) {
            List<String> out = new ArrayList<>();
            values.get(partition).forEach((offset, value) -> {
                long txn = txnOf.get(partition).get(offset);
                if (offset < bound && (txn == 0 || state.get(txn).equals("committed"))) {
                    out.add(offset + "=" + value);
                }
            });
            return out;
        }
    }

    static final class Harness implements AutoCloseable {
        final Path dir;
        final Model model = new Model();
        final long[] clock = {1_000_000};
        final String[] slots = new String[SLOTS];
        int counter;
        LogStore store;
        TopicManager topics;
        TransactionIndex index;
        TransactionCoordinator coordinator;
        FetchHandler fetch;
        BatchFetchHandler batchFetch;

        Harness(Path dir) {
            this.dir = dir;
            open();
            topics.create(TOPIC, TopicSettings.ofPartitions(PARTITIONS));
        }

        private void open() {
            LogConfig config = LogConfig.defaults().withSegmentBytes(LogConfig.MIN_SEGMENT_BYTES);
            store = LogStore.open(dir.resolve("logs"), config, StorageListener.NONE);
            topics = TopicManager.open(store, dir.resolve("topics.json"), config, true, PARTITIONS, 1,
                    BrokerListener.NONE);
            index = new TransactionIndex();
            LocalAcknowledger acks = new LocalAcknowledger();
            coordinator = TransactionCoordinator.open(dir.resolve("transactions/state.log"), false, topics,
                    acks::appendAndAcknowledge, NO_GROUPS, index, TIMEOUT_MS, () -> clock[0], BrokerListener.NONE,
                    RequestTracing.OFF);
            fetch = new FetchHandler(topics, index, BrokerListener.NONE, RequestTracing.OFF);
            batchFetch = new BatchFetchHandler(topics, index, BrokerListener.NONE, RequestTracing.OFF);
        }

        void apply(Op op) {
            clock[0] += 1;
            switch (op) {
                case Begin b -> {
                    for (int s = 0; s < SLOTS; s++) {
                        if (slots[s] == null) {
                            slots[s] = coordinator.begin();
                            model.state.put(id(slots[s]), "open");
                            model.firstOffsets.put(id(slots[s]), new HashMap<>());
                            break;
                        }
                    }
                }
                case TxProduce t -> {
                    String txn = slots[t.slot()];
                    if (txn == null) {
                        return;
                    }
                    List<Record> records = records(t.partition(), t.count());
                    TransactionCoordinator.Appended at = coordinator.append(txn, TOPIC, t.partition(), null,
                            records, Acks.LEADER);
                    assertEquals(t.partition(), at.partition());
                    model.firstOffsets.get(id(txn)).putIfAbsent(t.partition(), at.baseOffset());
                    remember(t.partition(), at.baseOffset(), records, id(txn));
                }
                case Plain p -> {
                    List<Record> records = records(p.partition(), p.count());
                    long base = topics.topic(TOPIC).log(p.partition()).append(records);
                    remember(p.partition(), base, records, 0);
                }
                case Commit c -> {
                    String txn = slots[c.slot()];
                    if (txn != null) {
                        coordinator.commit(txn, Acks.LEADER);
                        model.state.put(id(txn), "committed");
                        slots[c.slot()] = null;
                    }
                }
                case Abort a -> {
                    String txn = slots[a.slot()];
                    if (txn != null) {
                        coordinator.abort(txn);
                        model.state.put(id(txn), "aborted");
                        slots[a.slot()] = null;
                    }
                }
                case Timeout t -> {
                    clock[0] += TIMEOUT_MS;
                    int expected = 0;
                    for (int s = 0; s < SLOTS; s++) {
                        if (slots[s] != null) {
                            model.state.put(id(slots[s]), "aborted");
                            slots[s] = null;
                            expected++;
                        }
                    }
                    assertEquals(expected, coordinator.expire(), "transactions timed out");
                }
                case Restart r -> {
                    closeAll();
                    for (int s = 0; s < SLOTS; s++) {
                        if (slots[s] != null) {
                            model.state.put(id(slots[s]), "aborted");
                            slots[s] = null;
                        }
                    }
                    open();
                }
            }
        }

        void check(Op after) {
            for (int p = 0; p < PARTITIONS; p++) {
                List<String> expected = model.visible(p, model.lastStable(p));
                assertEquals(expected, readFetch(p), "FETCH of partition " + p + " after " + after);
                for (int maxBytes : new int[] {1, 150, 1 << 20}) {
                    assertEquals(expected, readBatchFetch(p, maxBytes),
                            "BATCH_FETCH (" + maxBytes + " bytes) of partition " + p + " after " + after);
                }
            }
        }

        List<String> readFetch(int partition) {
            List<String> out = new ArrayList<>();
            long position = 0;
            for (int i = 0; i < 10_000; i++) {
                PayloadWriter req = new PayloadWriter();
                new FetchRequest(TOPIC, partition, position, 3, "").write(req);
                PayloadWriter res = new PayloadWriter();
                fetch.handle(new Session("reader"), new PayloadReader(req.toPayload()), res);
                FetchResponse r = FetchResponse.read(new PayloadReader(res.toPayload()));
                r.records().forEach(e -> out.add(e.offset() + "=" + new String(e.value(), StandardCharsets.UTF_8)));
                if (r.nextOffset() == position) {
                    return out;
                }
                position = r.nextOffset();
            }
            throw new AssertionError("FETCH does not come to an end: " + out);
        }

        List<String> readBatchFetch(int partition, int maxBytes) {
            List<String> out = new ArrayList<>();
            long position = 0;
            RecordFactory<String, String> asText = new RecordFactory<>() {
                @Override
                public String header(String name, byte[] value) {
                    return name;
                }

                @Override
                public String record(long offset, long timestamp, byte[] key, byte[] value, List<String> headers) {
                    return offset + "=" + new String(value, StandardCharsets.UTF_8);
                }
            };
            for (int i = 0; i < 10_000; i++) {
                PayloadWriter req = new PayloadWriter();
                new BatchFetchRequest(TOPIC, maxBytes, List.of(new BatchFetchRequest.Position(partition, position)),
                        false).write(req);
                PayloadWriter res = new PayloadWriter();
                ResponseTail tail = new ResponseTail();
                try {
                    batchFetch.handle(new Session("reader"), new PayloadReader(req.toPayload()), res, tail);
                    tail.copyInto(res);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
                PayloadReader r = new PayloadReader(res.toPayload());
                BatchFetchResponse.PartitionHeader h = BatchFetchResponse.read(r).partitions().get(0);
                assertEquals("", h.error());
                ByteBuffer buf = ByteBuffer.wrap(r.array());
                int pos = r.position();
                int end = pos + h.byteLength();
                long last = -1;
                int count = 0;
                while (pos < end) {
                    assertEquals(null, StoredRecordLayout.validate(buf.duplicate().limit(end), pos,
                            new java.util.zip.CRC32C()));
                    last = StoredRecordLayout.offsetAt(buf, pos);
                    if ((StoredRecordLayout.attributesAt(buf, pos) & StoredRecordLayout.CONTROL) == 0) {
                        out.add(StoredRecordLayout.decode(buf, pos, asText));
                    }
                    count++;
                    pos += StoredRecordLayout.sizeAt(buf, pos);
                }
                assertEquals(h.recordCount(), count);
                if (last < 0) {
                    return out;
                }
                assertTrue(last >= position, "an answer never goes backwards");
                position = last + 1;
            }
            throw new AssertionError("BATCH_FETCH does not come to an end: " + out);
        }

        private List<Record> records(int partition, int count) {
            List<Record> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                out.add(Record.of(clock[0], ("p" + partition + "-" + counter++).getBytes(StandardCharsets.UTF_8)));
            }
            return out;
        }

        private void remember(int partition, long base, List<Record> records, long txn) {
            for (int i = 0; i < records.size(); i++) {
                model.values.get(partition).put(base + i, new String(records.get(i).value(), StandardCharsets.UTF_8));
                model.txnOf.get(partition).put(base + i, txn);
            }
        }

        private static long id(String txn) {
            return Long.parseLong(txn.substring(TransactionCoordinator.ID_PREFIX.length()));
        }

        private void closeAll() {
            coordinator.close();
            store.close();
        }

        @Override
        public void close() {
            closeAll();
        }
    }
}
