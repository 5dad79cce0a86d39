package flymq.client;

import flymq.protocol.PayloadWriter;
import flymq.protocol.message.BatchProduceResponse;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A loopback server for client tests that answers each request frame with whatever {@code handler} returns for it
 * (a whole response frame, or null to close the connection), and records every request. CLUSTER_METADATA (which a
 * {@link FlyMqProducer} asks before a topic's first batch) goes to a handler of its own and is recorded apart, in
 * {@link #metadataRequests}: by default it is refused, as by a server without it.
 */
final class ScriptedServer implements AutoCloseable {
    record Request(int opcode, int flags, byte[] payload, byte[] frame) {
    }

    static final int CLUSTER_METADATA = 0x53;

    private final ServerSocket server;
    private final Function<Request, byte[]> handler;
    private volatile Function<Request, byte[]> metadata = r -> error("unknown opcode 0x53");
    /** Every request but CLUSTER_METADATA. */
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final List<Request> metadataRequests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** One permit per connection that ended (closed by either side). */
    private final Semaphore ended = new Semaphore(0);

    ScriptedServer(Function<Request, byte[]> handler) throws IOException {
        this.handler = handler;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().start(this::acceptLoop);
    }

    /** Answers CLUSTER_METADATA with what {@code answer} returns (a whole frame, or null to close the connection). */
    ScriptedServer withMetadata(Function<Request, byte[]> answer) {
        this.metadata = answer;
        return this;
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread.ofPlatform().daemon().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                byte[] header = new byte[8];
                in.readFully(header);
                int len = ((header[4] & 0xFF) << 24) | ((header[5] & 0xFF) << 16) | ((header[6] & 0xFF) << 8)
                        | (header[7] & 0xFF);
                byte[] payload = new byte[len];
                in.readFully(payload);
                byte[] frame = new byte[8 + len];
                System.arraycopy(header, 0, frame, 0, 8);
                System.arraycopy(payload, 0, frame, 8, len);
                Request r = new Request(header[2] & 0xFF, header[3] & 0xFF, payload, frame);
                byte[] answer;
                if (r.opcode() == CLUSTER_METADATA) {
                    metadataRequests.add(r);
                    answer = metadata.apply(r);
                } else {
                    requests.add(r);
                    answer = handler.apply(r);
                }
                if (answer == null) {
                    return;
                }
                out.write(answer);
                out.flush();
            }
        } catch (IOException e) {
            // client went away
        } finally {
            ended.release();
        }
    }

    /** Waits up to 10 s until {@code n} more connections have ended; whether they did. */
    boolean awaitEnded(int n) throws InterruptedException {
        return ended.tryAcquire(n, 10, TimeUnit.SECONDS);
    }

    /** Connections that ended and were not awaited yet. */
    int endedSoFar() {
        return ended.availablePermits();
    }

    int connectionsAccepted() {
        return sockets.size();
    }

    /** Drops every open connection (the server keeps listening). */
    void dropConnections() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }

    /** The BATCH_PRODUCE answer frame with these group results. */
    static byte[] batchProduceAnswer(String topic, List<BatchProduceResponse.GroupResult> results) {
        PayloadWriter out = new PayloadWriter(64);
        new BatchProduceResponse(topic, results).write(out);
        return frame(0xC0, out.toPayload());
    }

    static byte[] frame(int opcode, byte[] payload) {
        byte[] f = new byte[8 + payload.length];
        f[0] = (byte) 0xAF;
        f[1] = 1;
        f[2] = (byte) opcode;
        f[3] = 1;
        f[4] = (byte) (payload.length >>> 24);
        f[5] = (byte) (payload.length >>> 16);
        f[6] = (byte) (payload.length >>> 8);
        f[7] = (byte) payload.length;
        System.arraycopy(payload, 0, f, 8, payload.length);
        return f;
    }

    static byte[] error(String text) {
        flymq.protocol.PayloadWriter w = new flymq.protocol.PayloadWriter(16).i32(1).str16(text);
        return frame(0xFF, w.toPayload());
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropConnections();
    }
}
