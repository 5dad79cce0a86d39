package flymq.broker;

import static flymq.broker.WireClient.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Produce, commit, stop, start: topics, records, committed offsets and group state are all there. */
class RestartTest {
    @TempDir
    Path dir;

    @Test
    void topicsRecordsAndCommittedOffsetsSurviveARestart() throws Exception {
        try (TestBroker b = TestBroker.start(dir)) {
            try (WireClient c = b.client()) {
                c.call(Opcodes.CREATE_TOPIC, payload().str16("orders").i32(3).i32(1).i64(3_600_000).i64(-1)
                        .i64(8192).i64(-1));
                for (int i = 0; i < 30; i++) {
                    c.produce("orders", "key-" + i, "value-" + i, -1);
                }
                c.createTopic("doomed", 1);
                c.call(Opcodes.DELETE_TOPIC, payload().str16("doomed"));
                c.subscribe("orders", "billing", 0, "earliest");
                c.commit("orders", "billing", 0, 4);
                c.commit("orders", "billing", 2, 7);
            }
            b.restart();
            try (WireClient c = b.client()) {
                PayloadReader topics = c.call(Opcodes.LIST_TOPICS, new byte[0]).reader();
                assertEquals(1, topics.i32("n"));
                assertEquals("orders", topics.str16("t"));
                PayloadReader md = c.call(Opcodes.METADATA, payload().str16("orders")).reader();
                md.str16("t");
                assertEquals(3, md.i32("partitions"));
                md.i32("rf");
                assertEquals(3_600_000, md.i64("retention_ms"));
                md.i64("retention_bytes");
                assertEquals(8192, md.i64("segment_bytes"));
                int total = 0;
                for (int p = 0; p < 3; p++) {
                    for (WireClient.Fetched f : c.fetch("orders", p, 0, 100, "").records()) {
                        String n = f.key().substring("key-".length());
                        assertEquals("value-" + n, f.value());
                        total++;
                    }
                }
                assertEquals(30, total);
                assertEquals(4, c.call(Opcodes.GET_OFFSET, payload().str16("orders").str16("billing").i32(0))
                        .reader().u64("o"));
                assertEquals(7, c.subscribe("orders", "billing", 2, "commit").reader().u64("o"));
                assertEquals(3, b.node.view().groups().get(0).rebalances(),
                        "join and leave before the restart were persisted, plus the join after it");
                List<String> keys = c.fetch("orders", 0, 0, 100, "").records().stream()
                        .map(WireClient.Fetched::key).toList();
                assertTrue(keys.stream().allMatch(k -> k.startsWith("key-")));
            }
        }
    }

    @Test
    void aSecondBrokerCannotOpenADataDirectoryInUse() {
        try (TestBroker b = TestBroker.start(dir)) {
            java.io.UncheckedIOException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.io.UncheckedIOException.class, () -> TestBroker.start(dir));
            assertTrue(e.getMessage().contains("in use by another broker"), e.getMessage());
        }
        TestBroker.start(dir).close();
    }
}
