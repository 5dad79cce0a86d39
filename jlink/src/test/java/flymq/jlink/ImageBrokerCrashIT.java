package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped broker, started the way users start it ({@code bin/flymq server start}), killed with SIGKILL while it
 * serves produces: after a restart on the same data directory every acknowledged record is there, in order.
 */
class ImageBrokerCrashIT {
    private static ImageProcess.Server start(Path data) throws Exception {
        return ImageProcess.startServer("broker", "--bind-addr", "127.0.0.1:0", "--data-dir", data.toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0");
    }

    @Test
    void everyAcknowledgedRecordSurvivesKillNine(@TempDir Path data) throws Exception {
        ImageProcess.Server first = start(data);
        List<Long> acked = new ArrayList<>();
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + first.port())) {
            client.createTopic("crash", 1);
            for (int i = 0; i < 500; i++) {
                acked.add(client.produce("crash", 0, null, ("record-" + i).getBytes(StandardCharsets.UTF_8))
                        .offset());
            }
            first.process().destroyForcibly();
            assertTrue(first.process().waitFor(30, TimeUnit.SECONDS), "the killed broker exits");
        }
        assertEquals(137, first.process().exitValue(), "killed by SIGKILL, not stopped gracefully");

        ImageProcess.Server second = start(data);
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + second.port())) {
            List<Message> back = new ArrayList<>();
            long next = 0;
            while (back.size() < acked.size()) {
                var batch = client.fetch("crash", 0, next, 200);
                if (batch.records().isEmpty()) {
                    break;
                }
                back.addAll(batch.records());
                next = batch.records().get(batch.records().size() - 1).offset() + 1;
            }
            assertEquals(acked.size(), back.size(), "records present after the restart");
            for (int i = 0; i < acked.size(); i++) {
                assertEquals(acked.get(i), back.get(i).offset());
                assertArrayEquals(("record-" + i).getBytes(StandardCharsets.UTF_8), back.get(i).value());
            }
        } finally {
            second.process().destroy();
            second.process().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
