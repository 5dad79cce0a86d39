package flymq.raft.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import flymq.raft.RaftMember;
import flymq.raft.codec.RaftModelCodec;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.RaftMessage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A connection reads its frames into one reused buffer: frames of every size after one another arrive intact. */
class TcpClusterTransportFrameBufferTest {

    private final RaftModelCodec codec = new RaftModelCodec();
    private final LoopbackTransports transports = new LoopbackTransports();
    private final List<RaftMessage> received = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        transports.close();
    }

    private static byte[] operation(int size, int seed) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) seed);
        if (size > 0) {
            b[size - 1] = (byte) ~seed;
        }
        return b;
    }

    private RaftMessage append(int seq, byte[] operation) {
        var f = codec.factory();
        return f.createAppendEntriesRequestBuilder().setGroupId("g").setSender(new RaftMember("s", "127.0.0.1:1"))
                .setTerm(1).setPreviousLogTerm(0).setPreviousLogIndex(seq).setCommitIndex(0)
                .setLogEntries(List.of(f.createLogEntryBuilder().setIndex(seq + 1).setTerm(1).setOperation(operation)
                        .build()))
                .setQuerySequenceNumber(0).setFlowControlSequenceNumber(0).build();
    }

    @Test
    void framesSmallerAndLargerThanTheBufferArriveIntactInOrder() throws Exception {
        framesArriveIntact(false);
    }

    @Test
    void framesUnderAClusterSecretArriveIntactInOrder() throws Exception {
        framesArriveIntact(true);
    }

    private void framesArriveIntact(boolean secret) throws Exception {
        ClusterAuth auth = secret
                ? ClusterAuth.sharedSecret("correct horse battery staple".getBytes(StandardCharsets.UTF_8))
                : ClusterAuth.NONE;
        TcpClusterTransport receiver = transports.bind(auth);
        receiver.register("g", received::add);
        TcpClusterTransport sender = transports.bind(auth);
        RaftMember to = new RaftMember("r", "127.0.0.1:" + receiver.localAddress().getPort());
        // 64 KiB is the first buffer; 2 MiB is beyond what a connection keeps
        int[] sizes = {10, 100 * 1024, 3, 300 * 1024, 64 * 1024, 2 * 1024 * 1024, 7, 200 * 1024, 1};
        for (int i = 0; i < sizes.length; i++) {
            sender.send(to, append(i, operation(sizes[i], i)));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.size() < sizes.length && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(sizes.length, received.size());
        for (int i = 0; i < sizes.length; i++) {
            AppendEntriesRequest m = (AppendEntriesRequest) received.get(i);
            assertEquals(i, m.getPreviousLogIndex());
            assertArrayEquals(operation(sizes[i], i), (byte[]) m.getLogEntries().get(0).getOperation(), "frame " + i);
        }
    }
}
