package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqTransaction;
import flymq.client.IsolationLevel;
import flymq.client.Message;
import flymq.client.PartitionFetch;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped broker with encryption at rest ({@code FLYMQ_ENCRYPTION_KEY} and {@code security.encryption_enabled}):
 * records written by PRODUCE, a committed transaction, a TTL and a delayed record are read back by FETCH, BATCH_FETCH
 * (read committed) and CONSUME after a SIGKILL and a restart; no value lies in the clear in any file of the data
 * directory; a wrong or missing key stops the start with a message naming the key ids.
 */
class ImageEncryptionAtRestIT {
    private static final String KEY = "6b".repeat(32);
    private static final String WRONG_KEY = "a7".repeat(32);
    private static final String MARK = "cleartext-canary";

    private static ImageProcess.Server start(Path data, String key) throws Exception {
        return ImageProcess.startServer("encrypted broker", Writer.nullWriter(), Map.of("FLYMQ_ENCRYPTION_KEY", key),
                "--bind-addr", "127.0.0.1:0", "--data-dir", data.toString(), "--metrics-addr", "127.0.0.1:0",
                "--health-addr", "127.0.0.1:0", "--set", "security.encryption_enabled=true");
    }

    private static byte[] value(String kind, int i) {
        return (MARK + "-" + kind + "-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> batchFetchAll(FlyMqClient client, IsolationLevel isolation) {
        List<String> out = new ArrayList<>();
        long position = 0;
        while (true) {
            PartitionFetch f = client.batchFetch("secret", List.of(new FetchPosition(0, position)), 64 << 10,
                    isolation).get(0);
            assertTrue(f.ok(), f.error());
            f.records().forEach(m -> out.add(m.valueAsString()));
            long next = f.nextOffset(position);
            if (next == position) {
                return out;
            }
            position = next;
        }
    }

    private static List<String> fetchAll(FlyMqClient client) {
        List<String> out = new ArrayList<>();
        long next = 0;
        while (true) {
            var batch = client.fetch("secret", 0, next, 100);
            if (batch.records().isEmpty()) {
                return out;
            }
            batch.records().forEach(m -> out.add(m.valueAsString()));
            next = batch.records().get(batch.records().size() - 1).offset() + 1;
        }
    }

    private static void kill(ImageProcess.Server s) throws InterruptedException {
        s.process().destroyForcibly();
        assertTrue(s.process().waitFor(30, TimeUnit.SECONDS), "the killed broker exits");
        assertEquals(137, s.process().exitValue(), "killed by SIGKILL");
    }

    private static boolean anyFileHolds(Path dir, byte[] needle) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                outer:
                for (int i = 0; i + needle.length <= bytes.length; i++) {
                    for (int j = 0; j < needle.length; j++) {
                        if (bytes[i + j] != needle[j]) {
                            continue outer;
                        }
                    }
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void encryptedRecordsSurviveKillNineAndNoValueLiesInTheClear(@TempDir Path data) throws Exception {
        ImageProcess.Server first = start(data, KEY);
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + first.port())) {
            client.createTopic("secret", 1);
            for (int i = 0; i < 300; i++) {
                client.produce("secret", 0, null, value("plain", i));
            }
            client.produceWithTtl("secret", 0, null, value("ttl", 0), Duration.ofDays(1));
            FlyMqTransaction tx = client.beginTransaction();
            List<ProducerRecord> txRecords = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                txRecords.add(ProducerRecord.of("secret", value("tx", i)));
            }
            tx.send("secret", List.of(new PartitionRecords(0, txRecords)));
            tx.commit();
            // delivered by the broker's own delivery thread, through the encrypted schedule
            client.produceDelayed("secret", 0, null, value("delayed", 0), Duration.ofMillis(200));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (fetchAll(client).size() < 352 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(352, fetchAll(client).size(), "300 produced, 1 TTL, 50 committed, 1 delivered");
            client.produceDelayed("secret", 0, null, value("pending", 0), Duration.ofDays(1));
        }
        kill(first);

        assertFalse(anyFileHolds(data, MARK.getBytes(StandardCharsets.UTF_8)), "a value lies in the clear");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));

        ImageProcess.Server second = start(data, KEY);
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + second.port())) {
            List<String> fetched = fetchAll(client);
            assertEquals(352, fetched.size());
            assertEquals(MARK + "-plain-0", fetched.get(0));
            assertTrue(fetched.contains(MARK + "-ttl-0") && fetched.contains(MARK + "-tx-49")
                    && fetched.contains(MARK + "-delayed-0"), fetched.toString());
            List<String> committed = batchFetchAll(client, IsolationLevel.READ_COMMITTED);
            assertEquals(fetched, committed, "BATCH_FETCH (decrypted in the heap) returns what FETCH returns");
            Message one = client.consume("secret", 0, 299);
            assertEquals(MARK + "-plain-299", one.valueAsString());
            client.produce("secret", 0, null, value("after", 0));
            assertEquals(353, fetchAll(client).size());
        } finally {
            second.process().destroy();
            second.process().waitFor(30, TimeUnit.SECONDS);
        }

        var wrong = ImageProcess.run(Map.of("FLYMQ_ENCRYPTION_KEY", WRONG_KEY), ImageProcess.image().resolve("bin/flymq"),
                "server", "start", "--bind-addr", "127.0.0.1:0", "--data-dir", data.toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--set", "security.encryption_enabled=true");
        assertNotEquals(0, wrong.exit(), wrong.out());
        assertTrue(wrong.out().contains("wrong encryption key"), wrong.out());
        assertFalse(wrong.out().contains(WRONG_KEY) || wrong.out().contains(KEY), "no key in the output");

        var missing = ImageProcess.run(Map.of(), ImageProcess.image().resolve("bin/flymq"),
                "server", "start", "--bind-addr", "127.0.0.1:0", "--data-dir", data.toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0");
        assertNotEquals(0, missing.exit(), missing.out());
        assertTrue(missing.out().contains("no encryption key is given"), missing.out());

        var noKey = ImageProcess.run(Map.of(), ImageProcess.image().resolve("bin/flymq"),
                "server", "start", "--data-dir", data.toString(), "--set", "security.encryption_enabled=true");
        assertNotEquals(0, noKey.exit(), noKey.out());
        assertTrue(noKey.out().contains("FLYMQ_ENCRYPTION_KEY"), noKey.out());
    }
}
