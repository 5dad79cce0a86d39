package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.Message;
import flymq.client.PartitionFetch;
import flymq.client.FetchPosition;
import flymq.client.ScheduledRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delayed records on the shipped broker killed with SIGKILL: scheduled records survive the kill and are delivered
 * after the restart, each exactly once (also after a second kill once they were delivered); a cancelled one and one
 * not yet due are not delivered.
 */
class ImageDelayedDeliveryIT {
    private static ImageProcess.Server start(Path data) throws Exception {
        return ImageProcess.startServer("broker", "--bind-addr", "127.0.0.1:0", "--data-dir", data.toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0");
    }

    private static void kill(ImageProcess.Server server) throws InterruptedException {
        server.process().destroyForcibly();
        assertTrue(server.process().waitFor(30, TimeUnit.SECONDS), "the killed broker exits");
        assertEquals(137, server.process().exitValue(), "killed by SIGKILL, not stopped gracefully");
    }

    private static List<Message> all(FlyMqClient client) {
        PartitionFetch f = client.batchFetch("later", List.of(new FetchPosition(0, 0)), 1 << 20).get(0);
        return f.records();
    }

    private static List<Message> awaitRecords(FlyMqClient client, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<Message> got = all(client);
        while (got.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(50);
            got = all(client);
        }
        return got;
    }

    @Test
    void scheduledRecordsSurviveKillNineAndAreDeliveredOnce(@TempDir Path data) throws Exception {
        ImageProcess.Server first = start(data);
        Set<Long> expected = new HashSet<>();
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + first.port())) {
            client.createTopic("later", 1);
            for (int i = 0; i < 20; i++) {
                ScheduledRecord s = client.produceDelayed("later", ("r" + i).getBytes(StandardCharsets.UTF_8),
                        Duration.ofSeconds(3));
                expected.add(s.delayId());
            }
            ScheduledRecord cancelled = client.produceDelayed("later", "cancelled".getBytes(StandardCharsets.UTF_8),
                    Duration.ofSeconds(3));
            assertTrue(client.cancelDelayed("later", cancelled.delayId()));
            client.produceDelayed("later", "tomorrow".getBytes(StandardCharsets.UTF_8), Duration.ofDays(1));
            assertEquals(List.of(), all(client), "nothing is due yet");
        }
        kill(first);

        ImageProcess.Server second = start(data);
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + second.port())) {
            List<Message> got = awaitRecords(client, 20);
            assertEquals(20, got.size(), "every scheduled record was delivered after the restart");
        }
        kill(second);

        ImageProcess.Server third = start(data);
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + third.port())) {
            List<Message> got = all(client);
            List<String> values = new ArrayList<>();
            Set<Long> ids = new HashSet<>();
            for (Message m : got) {
                values.add(m.valueAsString());
                assertEquals("flymq.delayed-id", m.headers().get(0).key());
                ids.add(ByteBuffer.wrap(m.headers().get(0).value()).getLong());
            }
            assertEquals(20, got.size(), "delivered once, nothing again after the second kill: " + values);
            assertEquals(expected, ids);
            assertTrue(!values.contains("cancelled") && !values.contains("tomorrow"), values.toString());
        } finally {
            third.process().destroy();
            third.process().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
