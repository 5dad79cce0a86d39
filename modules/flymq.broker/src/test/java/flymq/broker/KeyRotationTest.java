package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * At-rest key rotation on a broker, as an operator does it: restart with a new key and the old one as a previous
 * key; records written before stay readable, new ones are written under the new key, and once the old key is gone
 * from the ring the old records fail clearly instead of reading as garbage.
 */
class KeyRotationTest {
    @TempDir
    Path dir;

    private Path keyFile(String name, String hex) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, hex + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private static void produce(TestBroker b, int from, int to) {
        try (FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + b.port())) {
            if (from == 0) {
                c.createTopic("rotating", 1);
            }
            for (int i = from; i < to; i++) {
                c.produce("rotating", 0, null, ("value-" + i).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static List<String> read(TestBroker b, long from) {
        try (FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + b.port())) {
            return c.fetch("rotating", 0, from, 100).records().stream().map(Message::valueAsString).toList();
        }
    }

    @Test
    void recordsWrittenBeforeARotationStayReadableWhileTheOldKeyIsInTheRing() throws Exception {
        Path oldKey = keyFile("old.key", "1a".repeat(32));
        Path newKey = keyFile("new.key", "2b".repeat(32));
        Path data = dir.resolve("data");
        try (TestBroker b = TestBroker.start(data, "security.encryption_enabled", "true",
                "security.encryption_key_file", oldKey.toString())) {
            produce(b, 0, 5);
        }
        try (TestBroker b = TestBroker.start(data, "security.encryption_enabled", "true",
                "security.encryption_key_file", newKey.toString(),
                "security.encryption_previous_keys_file", oldKey.toString())) {
            produce(b, 5, 10);
            assertEquals(List.of("value-0", "value-1", "value-2", "value-3", "value-4", "value-5", "value-6",
                    "value-7", "value-8", "value-9"), read(b, 0));
        }
        try (TestBroker b = TestBroker.start(data, "security.encryption_enabled", "true",
                "security.encryption_key_file", newKey.toString())) {
            assertEquals(List.of("value-5", "value-6", "value-7", "value-8", "value-9"), read(b, 5));
            RuntimeException e = assertThrows(RuntimeException.class, () -> read(b, 0));
            assertTrue(e.getMessage().contains("wrong encryption key"), e.getMessage());
        }
        // the old key alone cannot serve a directory that holds records under the new one
        assertThrows(RuntimeException.class, () -> TestBroker.start(data, "security.encryption_enabled", "true",
                "security.encryption_key_file", oldKey.toString()).close());
    }
}
