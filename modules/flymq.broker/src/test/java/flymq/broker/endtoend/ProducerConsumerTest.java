package flymq.broker.endtoend;

import flymq.client.ConsumerConfig;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqConsumer;
import flymq.client.FlyMqProducer;
import flymq.client.FlyMqServerException;
import flymq.client.Header;
import flymq.client.Message;
import flymq.client.ProducerConfig;
import flymq.client.ProducerRecord;
import flymq.client.RecordMetadata;
import flymq.client.SubscribeMode;
import flymq.protocol.Acks;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The batching producer and the group consumer against an in-process broker. */
class ProducerConsumerTest {
    @TempDir
    Path dir;
    InProcessBroker broker;
    FlyMqClient client;

    @BeforeEach
    void start() {
        broker = new InProcessBroker(dir);
        client = FlyMqClient.connect(broker.address());
    }

    @AfterEach
    void stop() {
        client.close();
        broker.close();
    }

    private List<Message> pollAll(FlyMqConsumer c, int expected) {
        List<Message> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (out.size() < expected && System.nanoTime() < deadline) {
            out.addAll(c.poll(Duration.ofMillis(200)));
        }
        return out;
    }

    @Test
    void futuresCompleteWithConsecutiveOffsetsInSendOrder() throws Exception {
        client.createTopic("t", 1);
        try (FlyMqProducer p = new FlyMqProducer(client, ProducerConfig.defaults().withBatchSize(256))) {
            List<CompletableFuture<RecordMetadata>> fs = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                fs.add(p.send(ProducerRecord.of("t", ("v" + i).getBytes(UTF_8))));
            }
            p.flush();
            for (int i = 0; i < 500; i++) {
                RecordMetadata md = fs.get(i).get(5, TimeUnit.SECONDS);
                assertEquals(0, md.partition());
                assertEquals(i, md.offset());
            }
        }
        assertEquals("v499", client.fetch("t", 0, 499, 1).records().get(0).valueAsString());
    }

    @Test
    void keyedRecordsLandWhereThe126ProducePutsThem() throws Exception {
        client.createTopic("t", 4);
        byte[] key = "user-123".getBytes(UTF_8);
        int serverChoice = client.produce("t", key, new byte[1]).partition();
        try (FlyMqProducer p = new FlyMqProducer(client, ProducerConfig.defaults())) {
            assertEquals(serverChoice, p.send(ProducerRecord.of("t", key, new byte[1])).get(5, TimeUnit.SECONDS)
                    .partition());
        }
        assertEquals(3, serverChoice);
    }

    @Test
    void lingerSendsAPartialBatchWithoutFlush() throws Exception {
        try (FlyMqProducer p = new FlyMqProducer(client, ProducerConfig.defaults().withLinger(Duration.ofMillis(20)))) {
            assertEquals(0, p.send(ProducerRecord.of("t", new byte[1])).get(5, TimeUnit.SECONDS).offset());
        }
    }

    @Test
    void acksNoneCompletesWithoutOffsetsAndStillAppends() throws Exception {
        client.createTopic("t", 1);
        try (FlyMqProducer p = new FlyMqProducer(client, ProducerConfig.defaults().withAcks(Acks.NONE))) {
            assertEquals(-1, p.send(ProducerRecord.of("t", new byte[1])).get(5, TimeUnit.SECONDS).offset());
            p.flush();
        }
        assertEquals(1, client.metadata("t").partitions().get(0).endOffset());
    }

    @Test
    void recordForMissingPartitionFailsWithTheServerText() {
        client.createTopic("t", 1);
        try (FlyMqProducer p = new FlyMqProducer(client, ProducerConfig.defaults())) {
            CompletableFuture<RecordMetadata> f = p.send(ProducerRecord.of("t", new byte[1]).withPartition(5));
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            FlyMqServerException s = assertInstanceOf(FlyMqServerException.class, e.getCause());
            assertTrue(s.serverMessage().contains("5"), s.serverMessage());
        }
    }

    @Test
    void consumerReadsEveryPartitionFromEarliestWithHeaders() throws Exception {
        client.createTopic("t", 3);
        try (FlyMqProducer p = new FlyMqProducer(client, ProducerConfig.defaults())) {
            for (int i = 0; i < 30; i++) {
                p.send(ProducerRecord.of("t", ("k" + i).getBytes(UTF_8), new byte[] {(byte) i})
                        .withHeaders(List.of(new Header("n", new byte[] {(byte) i}))));
            }
        }
        try (FlyMqConsumer c = new FlyMqConsumer(client, ConsumerConfig.forGroup("")
                .withStartFrom(SubscribeMode.EARLIEST).withAutoCommit(false))) {
            c.subscribe("t");
            List<Message> all = pollAll(c, 30);
            assertEquals(30, all.size());
            for (Message m : all) {
                assertEquals(m.value()[0], m.headers().get(0).value()[0]);
            }
        }
    }

    @Test
    void manualCommitIsWhereTheNextConsumerOfTheGroupStarts() {
        for (int i = 0; i < 10; i++) {
            client.produce("t", new byte[] {(byte) i});
        }
        ConsumerConfig cfg = ConsumerConfig.forGroup("g").withAutoCommit(false);
        try (FlyMqConsumer c = new FlyMqConsumer(client, cfg)) {
            c.subscribe("t");
            assertEquals(10, pollAll(c, 10).size());
            c.seek("t", 0, 6);
            c.commitSync();
        }
        assertEquals(6, client.getOffset("t", "g", 0));
        try (FlyMqConsumer c = new FlyMqConsumer(client, cfg)) {
            c.subscribe("t");
            assertEquals(6, c.position("t", 0));
            assertEquals(6, pollAll(c, 4).get(0).value()[0]);
        }
    }

    @Test
    void autoCommitCommitsOnClose() {
        for (int i = 0; i < 3; i++) {
            client.produce("t", new byte[1]);
        }
        try (FlyMqConsumer c = new FlyMqConsumer(client, ConsumerConfig.forGroup("auto")
                .withAutoCommitInterval(Duration.ofHours(1)))) {
            c.subscribe("t");
            assertEquals(3, pollAll(c, 3).size());
        }
        assertEquals(3, client.getOffset("t", "auto", 0));
    }

    @Test
    void subscribeMakesTheConsumerAGroupMember() {
        client.produce("t", new byte[1]);
        try (FlyMqConsumer c = new FlyMqConsumer(client, ConsumerConfig.forGroup("members"))) {
            c.subscribe("t");
            assertEquals(1, client.describeGroup("t", "members").memberCount());
        }
    }

    @Test
    void seekToTimestampRepositionsTheConsumer() throws Exception {
        try (FlyMqProducer p = new FlyMqProducer(client, ProducerConfig.defaults())) {
            p.send(ProducerRecord.of("t", new byte[] {0}).withTimestamp(1000));
            p.send(ProducerRecord.of("t", new byte[] {1}).withTimestamp(2000));
            p.send(ProducerRecord.of("t", new byte[] {2}).withTimestamp(3000));
        }
        try (FlyMqConsumer c = new FlyMqConsumer(client, ConsumerConfig.forGroup("")
                .withStartFrom(SubscribeMode.LATEST).withAutoCommit(false))) {
            c.assign("t", 0);
            assertEquals(3, c.position("t", 0));
            c.seekToTimestamp(1500);
            assertEquals(1, c.position("t", 0));
            List<Message> m = pollAll(c, 2);
            assertEquals(2000, m.get(0).timestamp());
            c.seekToBeginning();
            assertEquals(0, c.position("t", 0));
        }
    }
}
