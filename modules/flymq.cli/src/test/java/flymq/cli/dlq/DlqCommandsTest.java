package flymq.cli.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.ExitCode;
import flymq.cli.TestBroker;
import flymq.cli.output.Json;
import flymq.client.FlyMqClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DlqCommandsTest {
    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("data"), Map.of("dlq.enabled", "true", "dlq.max_retries", "0"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    /** Dead-letters {@code value} from {@code topic} (one failure is too many with max_retries 0). */
    private static String deadLetter(String topic, String value) {
        try (FlyMqClient c = FlyMqClient.connect(broker.server())) {
            long offset = c.produce(topic, value.getBytes(StandardCharsets.UTF_8)).offset();
            return c.nack("billing", topic, 0, offset, "cannot bill " + value).dlqId();
        }
    }

    @Test
    void listShowsIdRetriesErrorAndValue() {
        deadLetter("listed", "a");
        deadLetter("listed", "b");
        var table = broker.run("dlq", "list", "listed");
        assertEquals(ExitCode.OK, table.code(), table.toString());
        assertEquals(List.of("ID  RETRIES  ERROR          VALUE", "0         0  cannot bill a  a",
                "1         0  cannot bill b  b"), table.out().lines().toList());
        var json = (List<?>) Json.parse(broker.run("dlq", "list", "listed", "--max", "1", "-o", "json").out());
        assertEquals(List.of(Map.of("id", "0", "retries", 0L, "error", "cannot bill a", "value", "a")), json);
    }

    @Test
    void replayOnceThenItIsAlreadyReplayed() {
        String id = deadLetter("replayed", "x");
        var r = broker.run("dlq", "replay", "replayed", id);
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertTrue(r.out().startsWith("replayed dead letter " + id + " to replayed partition 0 offset 1"), r.out());
        var again = (Map<?, ?>) Json.parse(broker.run("dlq", "replay", "replayed", id, "-o", "json").out());
        assertEquals(Boolean.TRUE, again.get("replayed"));
        assertTrue(again.get("message").toString().startsWith("already replayed"), again.toString());
        var missing = broker.run("dlq", "replay", "replayed", "77");
        assertEquals(ExitCode.FAILED, missing.code(), missing.toString());
        assertTrue(missing.err().contains("no dead letter 77 in queue replayed.dlq"), missing.err());
    }

    @Test
    void purgeEmptiesTheList() {
        deadLetter("purged", "p");
        var r = broker.run("dlq", "purge", "purged");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals("purged queue purged.dlq (1 dead letter)\n", r.out());
        assertEquals(List.of(), Json.parse(broker.run("dlq", "list", "purged", "-o", "json").out()));
    }
}
