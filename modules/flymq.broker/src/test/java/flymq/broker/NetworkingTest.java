package flymq.broker;

import static flymq.broker.WireClient.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pipelining, many connections, idle and slow-reader limits, graceful shutdown. */
class NetworkingTest {
    @TempDir
    Path dir;

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (TestBroker b = TestBroker.start(dir); WireClient c = b.client()) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < 300; i++) {
                batch.writeBytes(OpcodeEndToEndTest.pipelinedProduces("pipe", 1));
                if (i % 50 == 49) {
                    batch.writeBytes(payload().toFrame(Opcodes.LIST_TOPICS, 1));
                }
            }
            c.send(batch.toByteArray());
            long expectedOffset = 0;
            for (int i = 0; i < 300; i++) {
                WireClient.Frame f = c.read();
                assertEquals(Opcodes.PRODUCE, f.opcode());
                PayloadReader r = f.reader();
                r.str16("t");
                r.i32("p");
                assertEquals(expectedOffset++, r.u64("offset"));
                if (i % 50 == 49) {
                    assertEquals(Opcodes.LIST_TOPICS, c.read().opcode());
                }
            }
        }
    }

    @Test
    void thousandsOfConcurrentConnectionsAreServed() throws Exception {
        try (TestBroker b = TestBroker.start(dir)) {
            List<WireClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 2000; i++) {
                    clients.add(b.client());
                }
                for (WireClient c : clients) {
                    c.send(OpcodeEndToEndTest.pipelinedProduces("many", 1));
                }
                for (WireClient c : clients) {
                    assertEquals(Opcodes.PRODUCE, c.read().opcode());
                }
                assertEquals(2000, b.node.view().activeConnections());
            } finally {
                for (WireClient c : clients) {
                    c.close();
                }
            }
            try (WireClient c = b.client()) {
                assertEquals(2000, c.fetch("many", 0, 1999, 10, "").nextOffset());
            }
        }
    }

    @Test
    void idleConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        try (TestBroker b = TestBroker.start(dir, "network.idle_timeout_ms", "200"); WireClient c = b.client()) {
            assertEquals(Opcodes.LIST_TOPICS, c.call(Opcodes.LIST_TOPICS, new byte[0]).opcode());
            assertTrue(c.closedByBroker());
        }
    }

    @Test
    void aClientThatStopsReadingIsClosedInsteadOfBufferedWithoutBound() throws Exception {
        try (TestBroker b = TestBroker.start(dir, "network.write_timeout_ms", "300")) {
            try (WireClient c = b.client()) {
                c.call(Opcodes.PRODUCE, payload().str16("slow").bytes32(null).bytes32(new byte[1 << 20]).i32(-1));
            }
            Socket slow = new Socket();
            slow.setReceiveBufferSize(4096);
            slow.connect(new InetSocketAddress("127.0.0.1", b.port()));
            byte[] fetch = payload().str16("slow").i32(0).u64(0).i32(1).str16("").toFrame(Opcodes.FETCH, 1);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 400; i++) {
                        slow.getOutputStream().write(fetch);
                    }
                } catch (IOException expectedOnceClosed) {
                    // the broker closed the connection
                }
            });
            await(() -> b.node.view().totalConnections() == 2 && b.node.view().activeConnections() == 0,
                    "the broker to close the non-reading connection");
            slow.close();
            writer.join(5000);
            try (WireClient c = b.client()) {
                assertEquals(Opcodes.LIST_TOPICS, c.call(Opcodes.LIST_TOPICS, new byte[0]).opcode());
            }
        }
    }

    @Test
    void gracefulShutdownAnswersTheInFlightRequestThenRefusesConnections() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BrokerListener blocking = new BrokerListener() {
            @Override
            public void produced(String topic, int partition, int records, long bytes, long latencyNanos) {
                if (topic.equals("slowpoke")) {
                    inHandler.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        TestBroker b = TestBroker.start(dir, blocking);
        int port = b.port();
        try (WireClient c = b.client(); WireClient idle = b.client()) {
            c.send(OpcodeEndToEndTest.pipelinedProduces("slowpoke", 1));
            assertTrue(inHandler.await(10, TimeUnit.SECONDS));
            Thread closer = Thread.ofVirtual().start(b::close);
            await(() -> !b.node.view().ready(), "shutdown to begin");
            release.countDown();
            WireClient.Frame f = c.read();
            assertEquals(Opcodes.PRODUCE, f.opcode());
            assertTrue(c.closedByBroker());
            assertTrue(idle.closedByBroker());
            closer.join(15_000);
        }
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
        try (TestBroker again = TestBroker.start(dir); WireClient c = again.client()) {
            assertEquals(1, c.fetch("slowpoke", 0, 0, 10, "").records().size());
        }
    }
}
