package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import flymq.client.FlyMqTransaction;
import flymq.client.IsolationLevel;
import flymq.client.Message;
import flymq.client.PartitionFetch;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions across a SIGKILL of the shipped broker: one transaction committed before the kill, one still open
 * when the process dies. After the restart the committed one is whole, the open one is aborted (its records are
 * never read committed, committing it is refused) and nothing holds readers back.
 */
class ImageTransactionCrashIT {
    private static ImageProcess.Server start(Path data) throws Exception {
        return ImageProcess.startServer("broker", "--bind-addr", "127.0.0.1:0", "--data-dir", data.toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0");
    }

    private static List<PartitionRecords> batch(String prefix, int n) {
        List<ProducerRecord> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            records.add(ProducerRecord.of("tx", (prefix + i).getBytes(StandardCharsets.UTF_8)));
        }
        return List.of(new PartitionRecords(0, records), new PartitionRecords(1, records));
    }

    private static List<String> values(FlyMqClient client, IsolationLevel isolation) {
        List<String> out = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            long position = 0;
            while (true) {
                PartitionFetch f = client.batchFetch("tx", List.of(new FetchPosition(p, position)), 1 << 20,
                        isolation).get(0);
                assertTrue(f.ok(), f.error());
                for (Message m : f.records()) {
                    out.add(m.valueAsString());
                }
                long next = f.nextOffset(position);
                if (next == position) {
                    break;
                }
                position = next;
            }
        }
        return out;
    }

    @Test
    void anOpenTransactionIsAbortedByARestartAfterKillNine(@TempDir Path data) throws Exception {
        ImageProcess.Server first = start(data);
        String open;
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + first.port())) {
            client.createTopic("tx", 2);
            FlyMqTransaction committed = client.beginTransaction();
            committed.send("tx", batch("c", 500));
            committed.commit();
            FlyMqTransaction pending = client.beginTransaction();
            pending.send("tx", batch("o", 300));
            open = pending.id();
            assertEquals(1000, values(client, IsolationLevel.READ_COMMITTED).size());
            assertEquals(1600, values(client, IsolationLevel.READ_UNCOMMITTED).size());
            first.process().destroyForcibly();
            assertTrue(first.process().waitFor(30, TimeUnit.SECONDS), "the killed broker exits");
        }
        assertEquals(137, first.process().exitValue(), "killed by SIGKILL, not stopped gracefully");

        ImageProcess.Server second = start(data);
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + second.port())) {
            List<String> committed = values(client, IsolationLevel.READ_COMMITTED);
            assertEquals(1000, committed.size());
            assertTrue(committed.stream().allMatch(v -> v.startsWith("c")), "no record of the open transaction");
            client.produce("tx", 0, null, "after".getBytes(StandardCharsets.UTF_8));
            assertTrue(values(client, IsolationLevel.READ_COMMITTED).contains("after"), "readers are not held back");
            assertEquals(1601, values(client, IsolationLevel.READ_UNCOMMITTED).size());
            FlyMqServerException e = assertThrows(FlyMqServerException.class,
                    () -> client.transaction(open).commit());
            assertTrue(e.getMessage().contains("transaction " + open + " is not open: it was aborted"), e.getMessage());
        } finally {
            second.process().destroy();
            second.process().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
