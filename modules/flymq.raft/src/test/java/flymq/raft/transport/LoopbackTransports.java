package flymq.raft.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** Cluster transports of one test, each on an ephemeral loopback port, closed together after it. */
final class LoopbackTransports implements AutoCloseable {
    private final List<TcpClusterTransport> bound = new ArrayList<>();

    TcpClusterTransport bind(ClusterAuth auth) throws IOException {
        return bind(auth, TcpClusterTransport.Limits.DEFAULT);
    }

    TcpClusterTransport bind(ClusterAuth auth, TcpClusterTransport.Limits limits) throws IOException {
        TcpClusterTransport t = TcpClusterTransport.bind(new InetSocketAddress("127.0.0.1", 0), limits, auth);
        bound.add(t);
        return t;
    }

    @Override
    public void close() {
        bound.forEach(TcpClusterTransport::close);
        bound.clear();
    }
}
