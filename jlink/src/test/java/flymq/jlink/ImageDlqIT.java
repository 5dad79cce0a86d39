package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.DeadLetter;
import flymq.client.FlyMqClient;
import flymq.client.Message;
import flymq.client.SubscribeMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead-letter queues on the shipped broker killed with SIGKILL: dead letters, a failure counted towards
 * {@code dlq.max_retries}, a group's retry hold (ten minutes of {@code dlq.retry_delay}: far longer than the test) and
 * a replay all survive the kill (records of the queue topic, {@code dlq/retry-holds}), and the CLI of the image lists,
 * replays and purges.
 */
class ImageDlqIT {
    private static final Path FLYMQ = ImageProcess.image().resolve("bin/flymq");

    private static ImageProcess.Server start(Path data) throws Exception {
        return ImageProcess.startServer("broker", "--bind-addr", "127.0.0.1:0", "--data-dir", data.toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--set", "dlq.enabled=true", "--set", "dlq.max_retries=1", "--set", "dlq.retry_delay=600000");
    }

    private static void kill(ImageProcess.Server server) throws InterruptedException {
        server.process().destroyForcibly();
        assertTrue(server.process().waitFor(30, TimeUnit.SECONDS), "the killed broker exits");
        assertEquals(137, server.process().exitValue(), "killed by SIGKILL, not stopped gracefully");
    }

    private static ImageProcess.Result flymq(ImageProcess.Server s, String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--server";
        all[1] = "127.0.0.1:" + s.port();
        System.arraycopy(args, 0, all, 2, args.length);
        return ImageProcess.run(Map.of(), FLYMQ, all);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void deadLettersFailuresAndReplaysSurviveKillNine(@TempDir Path data) throws Exception {
        ImageProcess.Server first = start(data);
        String replayedId;
        try (FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + first.port())) {
            c.createTopic("orders", 1);
            for (String v : List.of("a", "b", "c")) {
                c.produce("orders", utf8(v));
            }
            assertFalse(c.nack("billing", "orders", 0, 0, "a failed").deadLettered());
            c.nack("billing", "orders", 0, 1, "b failed");
            assertTrue(c.nack("billing", "orders", 0, 1, "b failed").deadLettered());
            c.nack("billing", "orders", 0, 2, "c failed");
            replayedId = c.nack("billing", "orders", 0, 2, "c failed").dlqId();
            assertTrue(c.replayDlq("orders", replayedId).success());
            assertFalse(c.nack("shipping", "orders", 0, 1, "b is slow").deadLettered());
        }
        kill(first);

        ImageProcess.Server second = start(data);
        try {
            try (FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + second.port())) {
                assertTrue(c.nack("billing", "orders", 0, 0, "a failed").deadLettered(),
                        "the failure before the kill counts");
                assertEquals(List.of("b", "a"), c.fetchDlq("orders", 10).stream().map(DeadLetter::valueAsString)
                        .toList());
                assertTrue(c.replayDlq("orders", replayedId).message().startsWith("already replayed"));
                assertEquals(List.of("a", "b", "c", "c"), c.fetch("orders", 0, 0, 100).records().stream()
                        .map(Message::valueAsString).toList(), "c copied back once, not again after the kill");
            }
            try (FlyMqClient member = FlyMqClient.connect("127.0.0.1:" + second.port())) {
                member.subscribe("orders", "shipping", 0, SubscribeMode.EARLIEST);
                assertEquals(List.of(), member.fetch("orders", 0, 0, 100).records(),
                        "the group's retry hold survived the kill");
            }
            var list = flymq(second, "dlq", "list", "orders", "-o", "json");
            assertEquals(0, list.exit(), list.out());
            assertTrue(list.out().contains("\"value\":\"b\"") && list.out().contains("\"error\":\"a failed\""),
                    list.out());
            var purge = flymq(second, "dlq", "purge", "orders");
            assertEquals(0, purge.exit(), purge.out());
            assertEquals("purged queue orders.dlq (2 dead letters)", purge.out().strip());
            assertEquals("[]", flymq(second, "dlq", "list", "orders", "-o", "json").out().strip());
        } finally {
            second.process().destroy();
            second.process().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
