package flymq.raft;

import flymq.raft.codec.RaftModelCodec;
import flymq.raft.transport.TcpClusterTransport;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.message.RaftMessage;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The transport's own memory bounds ({@link TcpClusterTransport.Limits}). */
class TcpClusterTransportLimitsTest {

    private static RaftMessage appendOf(RaftMember sender, int bytes) {
        RaftModelFactory f = new RaftModelCodec().factory();
        return f.createAppendEntriesRequestBuilder().setGroupId("g").setSender(sender).setTerm(1)
                .setPreviousLogTerm(1).setPreviousLogIndex(1).setCommitIndex(1)
                .setLogEntries(List.of(f.createLogEntryBuilder().setIndex(2).setTerm(1)
                        .setOperation(new byte[bytes]).build()))
                .setQuerySequenceNumber(0).setFlowControlSequenceNumber(1).build();
    }

    @Test
    void framesForAPeerThatDoesNotReadAreDroppedBeyondTheQueueBytes() throws Exception {
        int frame = 1024 * 1024;
        try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             TcpClusterTransport transport = TcpClusterTransport.bind(new InetSocketAddress("127.0.0.1", 0),
                     new TcpClusterTransport.Limits(16L * 1024 * 1024, 2L * frame))) {
            RaftMember self = new RaftMember("n1", "127.0.0.1:" + transport.localAddress().getPort());
            RaftMember peer = new RaftMember("n2", "127.0.0.1:" + silent.getLocalPort());
            RaftMessage message = appendOf(self, frame);
            // the backlog accepts the writer's connection, and nobody ever reads from it
            for (int i = 0; i < 64; i++) {
                transport.send(peer, message);
            }
            // 64 MiB offered; what is not dropped sits in 2 MiB of queue plus the sockets' buffers
            long dropped = transport.stats().framesDropped();
            assertTrue(dropped >= 40, "only " + dropped + " of 64 one-MiB frames dropped");
        }
    }
}
