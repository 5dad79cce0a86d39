package flymq.broker;

import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.message.BatchProduceRequest;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * A TCP relay in front of one node's client port that notes every BATCH_PRODUCE passing through it: the partitions
 * of its groups, and whether a node forwarded it (the trailing forwarded marker) or a client sent it itself. A node
 * that advertises the tap's address ({@code advertised_addr}) is reached through it by clients that follow
 * CLUSTER_METADATA and by the other nodes' forwards alike, so the tap sees where produce requests land. Bytes pass
 * unchanged; when the node cannot be reached, the client's connection is closed.
 */
final class ProduceTap implements AutoCloseable {
    /** One BATCH_PRODUCE: the connection it came on (numbered from 1 as accepted), forwarded or not, its groups. */
    record Produce(int connection, boolean forwarded, List<Integer> partitions) {
    }

    private final ServerSocket server;
    private final IntSupplier nodePort;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final List<Produce> produces = new CopyOnWriteArrayList<>();
    /** Frames the tap could not read as the protocol says: a test must find none. */
    final List<String> unreadable = new CopyOnWriteArrayList<>();

    /** @param nodePort the node's client port, asked at each connection (it is known once the node has started) */
    ProduceTap(IntSupplier nodePort) throws IOException {
        this.nodePort = nodePort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("produce-tap-" + server.getLocalPort()).start(this::acceptLoop);
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** The BATCH_PRODUCE requests seen since the last {@link #clear}. */
    List<Produce> produces() {
        return List.copyOf(produces);
    }

    void clear() {
        produces.clear();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            int n = accepted.incrementAndGet();
            sockets.add(client);
            Thread.ofPlatform().daemon().name("produce-tap-relay").start(() -> relay(n, client));
        }
    }

    private void relay(int connection, Socket client) {
        Socket node = new Socket();
        try {
            node.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), nodePort.getAsInt()), 5_000);
            node.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
        } catch (IOException | RuntimeException e) {
            closeQuietly(node);
            closeQuietly(client);
            return;
        }
        sockets.add(node);
        Thread.ofPlatform().daemon().name("produce-tap-answers").start(() -> copy(node, client));
        try (DataInputStream in = new DataInputStream(client.getInputStream())) {
            OutputStream out = node.getOutputStream();
            byte[] header = new byte[8];
            while (true) {
                in.readFully(header);
                int length = ((header[4] & 0xFF) << 24) | ((header[5] & 0xFF) << 16) | ((header[6] & 0xFF) << 8)
                        | (header[7] & 0xFF);
                byte[] payload = new byte[length];
                in.readFully(payload);
                if ((header[2] & 0xFF) == ExtensionOpcodes.BATCH_PRODUCE) {
                    note(connection, header[3] & 0xFF, payload);
                }
                out.write(header);
                out.write(payload);
                out.flush();
            }
        } catch (IOException e) {
            // either side went away: end both
        } finally {
            closeQuietly(node);
            closeQuietly(client);
        }
    }

    private void note(int connection, int flags, byte[] payload) {
        try {
            if ((flags & 0x02) != 0) {
                unreadable.add("a gzipped BATCH_PRODUCE on connection " + connection);
                return;
            }
            BatchProduceRequest r = BatchProduceRequest.read(new PayloadReader(payload));
            List<Integer> partitions = new ArrayList<>();
            for (BatchProduceRequest.Group g : r.groups()) {
                partitions.add(g.partition());
            }
            produces.add(new Produce(connection, r.forwarded(), List.copyOf(partitions)));
        } catch (RuntimeException e) {
            unreadable.add("BATCH_PRODUCE on connection " + connection + ": " + e);
        }
    }

    private static void copy(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // either side went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a relay end that is gone already
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
