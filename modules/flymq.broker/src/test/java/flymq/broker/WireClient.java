package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import flymq.protocol.ErrorFrame;
import flymq.protocol.FrameCodec;
import flymq.protocol.FrameHeader;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.CommitRequest;
import flymq.protocol.message.CreateTopicRequest;
import flymq.protocol.message.FetchRequest;
import flymq.protocol.message.FetchResponse;
import flymq.protocol.message.ProduceRequest;
import flymq.protocol.message.ProduceResponse;
import flymq.protocol.message.SubscribeRequest;
import flymq.protocol.message.WireMessage;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A raw-socket test client: sends exact bytes and reads exact frames, so tests see what an SDK would. */
public final class WireClient implements AutoCloseable {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public record Frame(int opcode, int flags, byte[] payload) {
        public PayloadReader reader() {
            return new PayloadReader(payload);
        }

        public boolean isError() {
            return opcode == Opcodes.ERROR;
        }

        public String errorText() {
            assertEquals(Opcodes.ERROR, opcode, "expected an ERROR frame");
            return ErrorFrame.decode(payload);
        }
    }

    public WireClient(int port) throws IOException {
        this(connect(port));
    }

    /** Over a connected socket, e.g. a TLS one. */
    public WireClient(Socket connected) throws IOException {
        socket = connected;
        socket.setSoTimeout(15_000);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return s;
    }

    static PayloadWriter payload() {
        return new PayloadWriter();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public Frame call(int opcode, PayloadWriter payload) throws IOException {
        send(payload.toFrame(opcode, FrameCodec.FLAG_BINARY));
        return read();
    }

    /** Sends a request in its message type's layout. */
    public Frame call(int opcode, WireMessage request) throws IOException {
        PayloadWriter w = new PayloadWriter(request.sizeHint());
        request.write(w);
        return call(opcode, w);
    }

    Frame call(int opcode, byte[] payload) throws IOException {
        byte[] frame = new byte[8 + payload.length];
        FrameCodec.encodeHeader(frame, 0, opcode, FrameCodec.FLAG_BINARY, payload.length);
        System.arraycopy(payload, 0, frame, 8, payload.length);
        send(frame);
        return read();
    }

    void send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
    }

    Frame read() throws IOException {
        FrameHeader h = FrameCodec.readHeader(in);
        if (h == null) {
            throw new java.io.EOFException("connection closed by the broker");
        }
        byte[] p = new byte[h.length()];
        FrameCodec.readFully(in, p, 0, p.length);
        return new Frame(h.opcode(), h.flags(), p);
    }

    /** True when the broker closed the connection without sending anything more. */
    boolean closedByBroker() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    // ---- typed helpers for the common requests ----

    record Produced(String topic, int partition, long offset, long timestamp, int keySize, int valueSize) {
    }

    Produced produce(String topic, String key, String value, int partition) throws IOException {
        Frame f = call(Opcodes.PRODUCE, new ProduceRequest(topic, key == null ? null : utf8(key), utf8(value),
                partition));
        if (f.isError()) {
            throw new AssertionError("PRODUCE failed: " + f.errorText());
        }
        ProduceResponse r = ProduceResponse.read(f.reader());
        return new Produced(r.topic(), r.partition(), r.offset(), r.timestamp(), r.keySize(), r.valueSize());
    }

    record Fetched(long offset, String key, String value) {
    }

    record FetchResult(long nextOffset, java.util.List<Fetched> records) {
    }

    FetchResult fetch(String topic, int partition, long offset, int max, String filter) throws IOException {
        Frame f = call(Opcodes.FETCH, new FetchRequest(topic, partition, offset, max, filter));
        if (f.isError()) {
            throw new AssertionError("FETCH failed: " + f.errorText());
        }
        return parseFetch(f);
    }

    static FetchResult parseFetch(Frame f) {
        FetchResponse r = FetchResponse.read(f.reader());
        java.util.List<Fetched> out = new java.util.ArrayList<>();
        for (FetchResponse.Entry e : r.records()) {
            out.add(new Fetched(e.offset(), new String(e.key(), StandardCharsets.UTF_8),
                    new String(e.value(), StandardCharsets.UTF_8)));
        }
        return new FetchResult(r.nextOffset(), out);
    }

    Frame createTopic(String topic, int partitions) throws IOException {
        return call(Opcodes.CREATE_TOPIC, CreateTopicRequest.of(topic, partitions));
    }

    Frame subscribe(String topic, String group, int partition, String mode) throws IOException {
        return call(Opcodes.SUBSCRIBE, new SubscribeRequest(topic, group, partition, mode));
    }

    Frame commit(String topic, String group, int partition, long offset) throws IOException {
        return call(Opcodes.COMMIT, new CommitRequest(topic, group, partition, offset, false));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
