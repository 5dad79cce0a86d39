package flymq.broker.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import flymq.broker.BrokerListener;
import flymq.protocol.FrameCodec;
import flymq.protocol.FrameHeader;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.storage.LogSlice;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Responses that end with file regions: sent intact, in order, on either kind of connection thread. */
class ResponseTailTest {
    private static final int REGION = 0x31;
    private static final int PLAIN = 0x32;
    private static final int SIZE = 4 << 20;

    @TempDir
    Path dir;
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor();
    private ProtocolServer server;
    private FileChannel file;
    private byte[] content;

    /** A slice of the test file: {@code [position, position + size)}. */
    private record FileSlice(FileChannel channel, long position, long sizeInBytes) implements LogSlice {
        @Override
        public long firstOffset() {
            return position;
        }

        @Override
        public long nextOffset() {
            return position + 1;
        }

        @Override
        public int recordCount() {
            return 1;
        }

        @Override
        public long transferTo(WritableByteChannel target) throws IOException {
            long done = 0;
            while (done < sizeInBytes) {
                long n = channel.transferTo(position + done, sizeInBytes - done, target);
                if (n == 0 && position + done >= channel.size()) {
                    throw new IOException("slice ends beyond the file");
                }
                done += n;
            }
            return done;
        }
    }

    @BeforeEach
    void writeFile() throws IOException {
        content = new byte[SIZE];
        new Random(7).nextBytes(content);
        Path f = dir.resolve("segment.log");
        Files.write(f, content);
        file = FileChannel.open(f);
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close(Duration.ofSeconds(5));
        }
        housekeeping.shutdownNow();
        file.close();
    }

    /** REGION request {@code u32 position · u32 size}: answers {@code u32 size} then the file bytes. */
    private final FileRegionHandler regionHandler = (session, in, out, tail) -> {
        long position = in.u32("position");
        long size = in.u32("size");
        out.u32(size);
        tail.add(new FileSlice(file, position, size));
    };

    private void start(int platformConnections) throws IOException {
        HandlerRegistry handlers = new HandlerRegistry()
                .register(REGION, regionHandler)
                .register(PLAIN, (session, in, out) -> out.str16("plain"));
        server = ProtocolServer.start("127.0.0.1", 0, handlers, BrokerListener.NONE, s -> { },
                Duration.ofMinutes(1), Duration.ofSeconds(30), housekeeping, platformConnections, Duration.ZERO);
    }

    private static byte[] frame(int opcode, PayloadWriter w) {
        return w.toFrame(opcode, FrameCodec.FLAG_BINARY);
    }

    private static byte[] readPayload(DataInputStream in, int expectedOpcode) throws IOException {
        FrameHeader h = FrameCodec.readHeader(in);
        assertEquals(expectedOpcode, h.opcode());
        byte[] payload = new byte[h.length()];
        in.readFully(payload);
        return payload;
    }

    private void pipelinedRegionsArriveIntactAndInOrder(int platformConnections) throws Exception {
        start(platformConnections);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(16 * 1024);
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(frame(REGION, new PayloadWriter().u32(0).u32(SIZE)));
            out.write(frame(PLAIN, new PayloadWriter()));
            out.write(frame(REGION, new PayloadWriter().u32(1000).u32(12345)));
            out.flush();
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            byte[] first = readPayload(in, REGION);
            assertEquals(SIZE, new PayloadReader(first).u32("size"));
            assertArrayEquals(content, Arrays.copyOfRange(first, 4, first.length));
            assertEquals("plain", new PayloadReader(readPayload(in, PLAIN)).str16("text"));
            byte[] third = readPayload(in, REGION);
            assertArrayEquals(Arrays.copyOfRange(content, 1000, 1000 + 12345), Arrays.copyOfRange(third, 4,
                    third.length));
        }
    }

    @Test
    void pipelinedRegionResponsesArriveIntactAndInOrderOnAPlatformThread() throws Exception {
        long copied = ResponseTail.bytesCopiedToHeap();
        pipelinedRegionsArriveIntactAndInOrder(1);
        assertEquals(copied, ResponseTail.bytesCopiedToHeap());
    }

    @Test
    void pipelinedRegionResponsesArriveIntactAndInOrderOnAVirtualThread() throws Exception {
        pipelinedRegionsArriveIntactAndInOrder(0);
    }

    @Test
    void aCallerWithoutASocketGetsTheRegionsCopiedBehindThePayload() {
        long copied = ResponseTail.bytesCopiedToHeap();
        PayloadWriter out = new PayloadWriter();
        regionHandler.handle(new Session("test"), new PayloadReader(new PayloadWriter().u32(10).u32(100)
                .toPayload()), out);
        byte[] payload = out.toPayload();
        assertEquals(104, payload.length);
        assertArrayEquals(Arrays.copyOfRange(content, 10, 110), Arrays.copyOfRange(payload, 4, 104));
        assertEquals(100, ResponseTail.bytesCopiedToHeap() - copied);
    }

    @Test
    void aSliceThatCannotBeSentClosesTheConnectionInsteadOfSendingAShortFrame() throws Exception {
        start(1);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(20_000);
            // the file is 4 MiB: a slice beyond its end cannot be sent
            s.getOutputStream().write(frame(REGION, new PayloadWriter().u32(SIZE - 10).u32(20)));
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            FrameHeader h = FrameCodec.readHeader(in);
            assertEquals(24, h.length());
            byte[] got = new byte[24];
            assertThrows(java.io.EOFException.class, () -> in.readFully(got));
        }
    }
}
