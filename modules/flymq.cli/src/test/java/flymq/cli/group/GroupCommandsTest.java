package flymq.cli.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.ExitCode;
import flymq.cli.TestBroker;
import flymq.cli.output.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommandsTest {
    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    /** A topic with 2 partitions, 3 records on partition 0 and 2 on 1, of which group consumed 2 from p0. */
    private static void scenario(String topic, String group) {
        broker.run("topic", "create", topic, "--partitions", "2");
        for (var v : List.of("a", "b", "c")) {
            broker.run("produce", topic, v, "--partition", "0");
        }
        for (var v : List.of("d", "e")) {
            broker.run("produce", topic, v, "--partition", "1");
        }
        var r = broker.run("consume", topic, "--group", group, "--partition", "0", "--max", "2");
        assertEquals("a\nb\n", r.out(), r.toString());
    }

    @Test
    void lagShowsEachPartitionAndTheTotal() {
        scenario("lagged", "billing");
        var r = broker.run("group", "lag", "billing", "--topic", "lagged");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        var lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("TOPIC\\s+PARTITION\\s+COMMITTED\\s+LATEST\\s+LAG"), r.out());
        assertTrue(lines.get(1).matches("lagged\\s+0\\s+2\\s+3\\s+1"), r.out());
        assertTrue(lines.get(2).matches("lagged\\s+1\\s+0\\s+2\\s+2"), r.out());
        assertTrue(lines.get(3).matches("TOTAL\\s+3"), r.out());
        var json = (Map<?, ?>) Json.parse(broker.run("group", "lag", "billing", "-t", "lagged", "-o", "json").out());
        assertEquals(3L, json.get("total_lag"));
        assertEquals(Map.of("topic", "lagged", "partition", 0L, "committed", 2L, "latest", 3L, "lag", 1L),
                ((List<?>) json.get("partitions")).get(0));
    }

    @Test
    void listAndDescribeShowCommittedOffsets() {
        scenario("listed", "auditors");
        var list = (Map<?, ?>) Json.parse(broker.run("group", "list", "-o", "json").out());
        var entry = ((List<?>) list.get("groups")).stream().map(Map.class::cast)
                .filter(m -> m.get("group").equals("auditors")).findFirst().orElseThrow();
        assertEquals("listed", entry.get("topic"));
        assertEquals(Map.of("0", 2L), entry.get("committed"));
        var describe = (Map<?, ?>) Json.parse(broker.run("group", "describe", "auditors", "-o", "json").out());
        assertEquals("auditors", describe.get("group"));
        var topic = (Map<?, ?>) ((List<?>) describe.get("topics")).get(0);
        assertEquals(List.of(Map.of("partition", 0L, "committed", 2L)), topic.get("partitions"));
        assertTrue(broker.run("group", "list").out().lines().anyMatch(l -> l.matches("auditors\\s+listed\\s+\\d+\\s+1")));
    }

    @Test
    void resetMovesTheCommittedOffsets() {
        scenario("rewound", "replayers");
        var r = broker.run("group", "reset", "replayers", "--topic", "rewound", "--to", "earliest", "-o", "json");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        var doc = (Map<?, ?>) Json.parse(r.out());
        assertEquals("earliest", doc.get("to"));
        assertEquals(List.of(Map.of("topic", "rewound", "partition", 0L, "committed", 0L),
                Map.of("topic", "rewound", "partition", 1L, "committed", 0L)), doc.get("partitions"));
        broker.run("group", "reset", "replayers", "--topic", "rewound", "--to", "latest");
        assertTrue(broker.run("group", "lag", "replayers").out().lines().anyMatch(l -> l.matches("TOTAL\\s+0")));
        broker.run("group", "reset", "replayers", "--topic", "rewound", "--to", "1", "--partition", "0");
        assertEquals("b\nc\n", broker.run("consume", "rewound", "--group", "replayers", "--partition", "0").out());
    }

    @Test
    void deleteForgetsTheGroup() {
        scenario("forgotten", "leavers");
        var r = broker.run("group", "delete", "leavers");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals("deleted group leavers on forgotten\n", r.out());
        var again = broker.run("group", "describe", "leavers");
        assertEquals(ExitCode.FAILED, again.code(), again.toString());
        assertTrue(again.err().contains("consumer group 'leavers' does not exist"), again.err());
    }

    @Test
    void aMissingGroupFailsEveryGroupCommand() {
        for (var cmd : List.of("describe", "lag", "delete")) {
            var r = broker.run("group", cmd, "nobody");
            assertEquals(ExitCode.FAILED, r.code(), cmd + ": " + r);
        }
    }
}
