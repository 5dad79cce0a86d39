package flymq.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Acks;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How the producer cuts a backlog of ready batches into BATCH_PRODUCE requests (scripted server, no broker). */
class ProducerRequestSizeTest {

    /** Answers every group as appended at consecutive offsets per partition; holds the first answer until told. */
    private static final class AppendingServer {
        final CountDownLatch releaseFirst = new CountDownLatch(1);
        final long[] next = new long[4];
        boolean first = true;

        synchronized byte[] answer(ScriptedServer.Request r) {
            if (first) {
                first = false;
                try {
                    releaseFirst.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            PayloadReader in = new PayloadReader(r.payload());
            String topic = in.str16("topic");
            in.u8("acks");
            int groups = in.count("groups", 8);
            PayloadWriter out = new PayloadWriter(64).str16(topic).u32(groups);
            for (int g = 0; g < groups; g++) {
                int partition = in.i32("partition");
                int n = in.count("records", 18);
                for (int i = 0; i < n; i++) {
                    in.i64("timestamp");
                    in.bytes32("key");
                    in.bytes32("value");
                    in.u16("header_count");
                }
                out.i32(partition).u64(next[partition]).u32(n).str16("");
                next[partition] += n;
            }
            return ScriptedServer.frame(0xC0, out.toPayload());
        }
    }

    @Test
    void aBacklogOfReadyBatchesGoesOutInRequestsOfAtMostMaxRequestBytes() throws Exception {
        AppendingServer script = new AppendingServer();
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, ProducerConfig.defaults()
                     .withBatchSize(16 * 1024).withLinger(Duration.ZERO).withMaxInFlight(1))) {
            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            byte[] value = new byte[100];
            // ~2.3 MiB over two partitions while the first request is held: the rest piles up as ready batches
            for (int i = 0; i < 20_000; i++) {
                sent.add(producer.send(ProducerRecord.of("t", value).withPartition(i % 2)));
            }
            script.releaseFirst.countDown();
            producer.flush();
            long[] expected = new long[2];
            for (int i = 0; i < sent.size(); i++) {
                RecordMetadata md = sent.get(i).get(10, TimeUnit.SECONDS);
                assertEquals(expected[i % 2]++, md.offset(), "record " + i + " on partition " + i % 2);
            }
            int largest = server.requests.stream().mapToInt(r -> r.payload().length).max().orElseThrow();
            // beyond the record bytes: topic, acks and group count, then 8 bytes per group of 16 KiB or more
            int framing = 8 + 8 * (FlyMqProducer.MAX_REQUEST_BYTES / (16 * 1024) + 1);
            assertTrue(largest <= FlyMqProducer.MAX_REQUEST_BYTES + framing,
                    "largest BATCH_PRODUCE payload " + largest + " bytes, cap " + FlyMqProducer.MAX_REQUEST_BYTES);
            assertTrue(server.requests.size() >= 5, server.requests.size() + " requests");
        }
    }

    @Test
    void aSmallRequestAfterALargeOneCarriesNothingOfIt() throws Exception {
        AppendingServer script = new AppendingServer();
        script.releaseFirst.countDown();
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, ProducerConfig.defaults().withAcks(Acks.LEADER)
                     .withBatchSize(1024 * 1024).withLinger(Duration.ofHours(1)).withMaxInFlight(1))) {
            List<ProducerRecord> large = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                large.add(ProducerRecord.of("t", new byte[1000]).withPartition(i % 2));
            }
            large.forEach(producer::send);
            producer.flush();
            ProducerRecord small = ProducerRecord.of("t", "k".getBytes(), "v".getBytes()).withPartition(1);
            CompletableFuture<RecordMetadata> sent = producer.send(small);
            producer.flush();
            assertEquals(100, sent.get(10, TimeUnit.SECONDS).offset());
            // the sender encodes every request into one buffer: each must be exactly what a fresh one would hold
            assertEquals(2, server.requests.size());
            assertArrayEquals(FlyMqClient.batchProduceRequest("t", Acks.LEADER, List.of(
                    new PartitionRecords(0, large.stream().filter(r -> r.partition() == 0).toList()),
                    new PartitionRecords(1, large.stream().filter(r -> r.partition() == 1).toList()))).toPayload(),
                    server.requests.get(0).payload());
            assertArrayEquals(FlyMqClient.batchProduceRequest("t", Acks.LEADER,
                    List.of(new PartitionRecords(1, List.of(small)))).toPayload(), server.requests.get(1).payload());
        }
    }
}
