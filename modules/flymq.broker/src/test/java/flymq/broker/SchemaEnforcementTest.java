package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import flymq.client.Message;
import flymq.client.PartitionAppend;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.protocol.Acks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Produce enforcement of a topic's schema: strict, warn, and across a restart. */
class SchemaEnforcementTest {
    static final byte[] ORDER_SCHEMA = utf8("""
            {"type":"object","properties":{"id":{"type":"integer"},"item":{"type":"string"}},
             "required":["id","item"],"additionalProperties":false}""");

    @TempDir
    Path dir;

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] valid(int id) {
        return utf8("{\"id\":" + id + ",\"item\":\"book\"}");
    }

    static byte[] invalid(int id) {
        return utf8("{\"id\":" + id + ",\"item\":" + id + "}"); // item must be a string
    }

    private static FlyMqClient client(TestBroker b) {
        return FlyMqClient.connect("127.0.0.1:" + b.port());
    }

    private static List<String> stored(FlyMqClient c, String topic, int partitions) {
        List<String> all = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            long next = 0;
            while (true) {
                var r = c.fetch(topic, p, next, 1000);
                if (r.records().isEmpty()) {
                    break;
                }
                for (Message m : r.records()) {
                    all.add(new String(m.value(), StandardCharsets.UTF_8));
                }
                next = r.nextOffset();
            }
        }
        return all;
    }

    @Test
    void strictModeUnderConcurrentProducersStoresEveryValidRecordAndNoInvalidOne() throws Exception {
        try (TestBroker b = TestBroker.start(dir, "schema.enabled", "true", "schema.validation", "strict");
             FlyMqClient admin = client(b)) {
            admin.createTopic("orders", 3);
            admin.registerSchema("orders-value", "json", ORDER_SCHEMA);
            int producers = 4;
            int perProducer = 60;
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            Set<String> mustBeStored = ConcurrentHashMap.newKeySet();
            Set<String> invalidSent = ConcurrentHashMap.newKeySet();
            AtomicInteger refused = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(producers);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < producers; t++) {
                int base = t * 10_000;
                done.add(pool.submit(() -> {
                    try (FlyMqClient c = client(b)) {
                        for (int i = 0; i < perProducer; i++) {
                            int id = base + i;
                            switch (i % 4) {
                                case 0 -> { // a valid PRODUCE
                                    c.produce("orders", valid(id));
                                    acknowledged.add(new String(valid(id), StandardCharsets.UTF_8));
                                    mustBeStored.add(new String(valid(id), StandardCharsets.UTF_8));
                                }
                                case 1 -> { // an invalid PRODUCE
                                    invalidSent.add(new String(invalid(id), StandardCharsets.UTF_8));
                                    FlyMqServerException e = assertThrows(FlyMqServerException.class,
                                            () -> c.produce("orders", invalid(id)));
                                    assertTrue(e.getMessage().contains("record rejected by schema 'orders-value' "
                                            + "version 1 (id 1) for topic orders: "), e.getMessage());
                                    refused.incrementAndGet();
                                }
                                case 2 -> { // a batch group of valid records
                                    List<ProducerRecord> group = List.of(ProducerRecord.of("orders", valid(id)),
                                            ProducerRecord.of("orders", valid(id + 5000)));
                                    PartitionAppend a = c.batchProduce("orders", Acks.LEADER,
                                            List.of(new PartitionRecords(-1, group))).getFirst();
                                    assertTrue(a.ok(), a.error());
                                    for (ProducerRecord r : group) {
                                        acknowledged.add(new String(r.value(), StandardCharsets.UTF_8));
                                        mustBeStored.add(new String(r.value(), StandardCharsets.UTF_8));
                                    }
                                }
                                default -> { // a group with one invalid record: refused whole
                                    invalidSent.add(new String(invalid(id), StandardCharsets.UTF_8));
                                    List<ProducerRecord> group = List.of(ProducerRecord.of("orders", valid(id)),
                                            ProducerRecord.of("orders", invalid(id)));
                                    PartitionAppend a = c.batchProduce("orders", Acks.LEADER,
                                            List.of(new PartitionRecords(-1, group))).getFirst();
                                    assertTrue(a.error() != null && a.error().startsWith("record 1 of the group: "
                                            + "record rejected by schema 'orders-value'"), String.valueOf(a.error()));
                                    refused.incrementAndGet();
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();

            List<String> stored = stored(admin, "orders", 3);
            Set<String> storedSet = new HashSet<>(stored);
            assertEquals(stored.size(), storedSet.size(), "no record stored twice");
            assertEquals(acknowledged, storedSet, "exactly the acknowledged records are stored");
            assertTrue(storedSet.containsAll(mustBeStored));
            for (String s : invalidSent) {
                assertTrue(!storedSet.contains(s), "invalid record stored: " + s);
            }
            assertEquals(producers * perProducer / 2, refused.get());
        }
    }

    @Test
    void warnModeCountsAndStoresTheRecord() throws Exception {
        ConcurrentHashMap<String, Integer> counted = new ConcurrentHashMap<>();
        BrokerListener listener = new BrokerListener() {
            @Override
            public void schemaRejected(String topic, String subject, String mode) {
                counted.merge(topic + "/" + subject + "/" + mode, 1, Integer::sum);
            }
        };
        try (TestBroker b = TestBroker.start(dir, listener, "schema.enabled", "true", "schema.validation", "warn");
             FlyMqClient c = client(b)) {
            c.registerSchema("orders", "json", ORDER_SCHEMA);

            c.produce("orders", invalid(1));
            c.produce("orders", valid(2));

            assertEquals(2, stored(c, "orders", 1).size());
            assertEquals(java.util.Map.of("orders/orders/warn", 1), counted);
        }
    }

    @Test
    void withoutSchemaEnabledNothingIsEnforced() throws Exception {
        try (TestBroker b = TestBroker.start(dir); FlyMqClient c = client(b)) {
            c.registerSchema("orders-value", "json", ORDER_SCHEMA);

            c.produce("orders", invalid(1));
            c.produceWithSchema("orders", invalid(2), "orders-value");

            assertEquals(2, stored(c, "orders", 1).size());
        }
    }

    @Test
    void aTopicWithoutASchemaIsNotChecked() throws Exception {
        try (TestBroker b = TestBroker.start(dir, "schema.enabled", "true"); FlyMqClient c = client(b)) {
            c.registerSchema("orders-value", "json", ORDER_SCHEMA);

            c.produce("payments", utf8("not json at all"));

            assertEquals(List.of("not json at all"), stored(c, "payments", 1));
        }
    }

    @Test
    void schemasSurviveARestartAndStayEnforced() throws Exception {
        try (TestBroker b = TestBroker.start(dir, "schema.enabled", "true")) {
            try (FlyMqClient c = client(b)) {
                c.registerSchema("orders-value", "json", ORDER_SCHEMA);
                c.registerSchema("orders-value", "json", utf8("""
                        {"type":"object","properties":{"id":{"type":"integer"},"item":{"type":"string"}},
                         "required":["id"],"additionalProperties":false}"""));
            }

            b.restart();

            try (FlyMqClient c = client(b)) {
                assertEquals(2, c.getSchema("orders-value", 0).version());
                FlyMqServerException e = assertThrows(FlyMqServerException.class,
                        () -> c.produce("orders", invalid(1)));
                assertTrue(e.getMessage().contains("'orders-value' version 2 (id 2)"), e.getMessage());
                assertEquals(3, c.registerSchema("orders-value", "json", utf8("{\"type\":\"object\"}"), "NONE")
                        .version());
            }
        }
    }

    @Test
    void transactionalProduceIsCheckedBeforeTheRecordJoinsTheTransaction() throws Exception {
        try (TestBroker b = TestBroker.start(dir, "schema.enabled", "true"); FlyMqClient c = client(b)) {
            c.registerSchema("orders-value", "json", ORDER_SCHEMA);
            try (var txn = c.beginTransaction()) {
                txn.produce("orders", valid(1));
                FlyMqServerException e = assertThrows(FlyMqServerException.class,
                        () -> txn.produce("orders", invalid(2)));
                assertTrue(e.getMessage().contains("record rejected by schema 'orders-value' version 1"),
                        e.getMessage());
                PartitionAppend refused = txn.send("orders", List.of(new PartitionRecords(-1,
                        List.of(ProducerRecord.of("orders", valid(3)), ProducerRecord.of("orders", invalid(4))))))
                        .getFirst();
                assertTrue(!refused.ok() && refused.error().startsWith("record 1 of the group: record rejected by "
                        + "schema 'orders-value'"), String.valueOf(refused.error()));
                txn.commit();
            }
            List<String> stored = stored(c, "orders", 1);
            assertTrue(stored.contains(new String(valid(1), StandardCharsets.UTF_8)), stored.toString());
            for (String s : stored) {
                assertTrue(!s.contains("\"item\":2") && !s.contains("\"id\":3"), "refused record stored: " + s);
            }
        }
    }

    @Test
    void produceWithSchemaChecksTheNamedSubject() throws Exception {
        try (TestBroker b = TestBroker.start(dir, "schema.enabled", "true"); FlyMqClient c = client(b)) {
            c.registerSchema("order-schema", "json", ORDER_SCHEMA);

            assertEquals(0, c.produceWithSchema("anything", valid(1), "order-schema").offset());
            FlyMqServerException e = assertThrows(FlyMqServerException.class,
                    () -> c.produceWithSchema("anything", invalid(2), "order-schema"));
            assertTrue(e.getMessage().contains("record rejected by schema 'order-schema' version 1"), e.getMessage());
            assertEquals("schema subject 'missing' not found (PRODUCE_WITH_SCHEMA to topic anything)",
                    assertThrows(FlyMqServerException.class,
                            () -> c.produceWithSchema("anything", valid(3), "missing")).serverMessage());
        }
    }
}
