package flymq.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    // The spec's example header says length 0x13, but its own payload is 23 (0x17) bytes: the length is a typo.
    private static final byte[] PRODUCE_HELLO = hex(
            "AF 01 01 01 00 00 00 17 00 04 74 65 73 74 00 00 00 00 00 00 00 05 68 65 6C 6C 6F FF FF FF FF");

    static byte[] hex(String s) {
        String[] parts = s.trim().split("\\s+");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }

    @Test
    void writerProducesTheSpecsProduceExample() {
        PayloadWriter w = new PayloadWriter();
        w.str16("test").bytes32(new byte[0]).bytes32("hello".getBytes(StandardCharsets.UTF_8)).i32(-1);
        assertArrayEquals(PRODUCE_HELLO, w.toFrame(Opcodes.PRODUCE, FrameCodec.FLAG_BINARY));
    }

    @Test
    void readerDecodesTheSpecsProduceExample() throws Exception {
        FrameHeader h = FrameCodec.readHeader(new ByteArrayInputStream(PRODUCE_HELLO));
        assertEquals(new FrameHeader(Opcodes.PRODUCE, 1, 0x17), h);
        PayloadReader r = new PayloadReader(PRODUCE_HELLO, 8, h.length());
        assertEquals("test", r.str16("topic"));
        assertEquals(0, r.bytes32("key").length);
        assertEquals("hello", new String(r.bytes32("value"), StandardCharsets.UTF_8));
        assertEquals(-1, r.i32("partition"));
        assertTrue(!r.hasRemaining());
    }

    @Test
    void cleanEndOfStreamBeforeAHeaderIsNull() throws Exception {
        assertNull(FrameCodec.readHeader(new ByteArrayInputStream(new byte[0])));
    }

    @Test
    void endOfStreamInsideAHeaderIsEof() {
        assertThrows(EOFException.class, () -> FrameCodec.readHeader(new ByteArrayInputStream(hex("AF 01 01"))));
    }

    @Test
    void badMagicIsAFramingError() {
        FrameException e = assertThrows(FrameException.class,
                () -> FrameCodec.readHeader(new ByteArrayInputStream(hex("AE 01 01 01 00 00 00 00"))));
        assertTrue(e.getMessage().contains("0xAE"), e.getMessage());
    }

    @Test
    void badVersionIsAFramingError() {
        assertThrows(FrameException.class,
                () -> FrameCodec.readHeader(new ByteArrayInputStream(hex("AF 02 01 01 00 00 00 00"))));
    }

    @Test
    void lengthAtTheLimitIsAcceptedAndOneMoreIsRejected() throws Exception {
        assertEquals(FrameCodec.MAX_PAYLOAD,
                FrameCodec.readHeader(new ByteArrayInputStream(hex("AF 01 01 01 02 00 00 00"))).length());
        assertThrows(FrameException.class,
                () -> FrameCodec.readHeader(new ByteArrayInputStream(hex("AF 01 01 01 02 00 00 01"))));
        assertThrows(FrameException.class,
                () -> FrameCodec.readHeader(new ByteArrayInputStream(hex("AF 01 01 01 FF FF FF FF"))));
    }

    @Test
    void truncatedStringIsMalformedNotAnIndexError() {
        PayloadReader r = new PayloadReader(hex("00 09 61 62"));
        MalformedPayloadException e = assertThrows(MalformedPayloadException.class, () -> r.str16("topic"));
        assertTrue(e.getMessage().contains("topic"), e.getMessage());
    }

    @Test
    void hugeListCountIsRejectedBeforeAllocating() {
        PayloadReader r = new PayloadReader(hex("FF FF FF FF 00 01"));
        assertThrows(MalformedPayloadException.class, () -> r.count("topics", 2));
    }

    @Test
    void bytes32LengthAboveIntRangeIsMalformed() {
        PayloadReader r = new PayloadReader(hex("FF FF FF F0 01"));
        assertThrows(MalformedPayloadException.class, () -> r.bytes32("value"));
    }

    @Test
    void errorFrameIsStructuredAndDecodesAsTheSdksDo() {
        byte[] payload = ErrorFrame.encode(new PayloadWriter(), "partition 3 not found").toPayload();
        assertArrayEquals(hex("00 00 00 01 00 15"), java.util.Arrays.copyOf(payload, 6));
        assertEquals("partition 3 not found", ErrorFrame.decode(payload));
        assertEquals("oops", ErrorFrame.decode("oops".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void gzipRoundTripsAndGarbageIsMalformed() {
        byte[] raw = "hello hello hello".getBytes(StandardCharsets.UTF_8);
        byte[] gz = FrameCodec.gzip(raw, 0, raw.length);
        assertArrayEquals(raw, FrameCodec.gunzip(gz, 0, gz.length));
        assertThrows(MalformedPayloadException.class, () -> FrameCodec.gunzip(raw, 0, raw.length));
    }

    @Test
    void gzipBombIsRejectedAtTheCap() {
        byte[] zeros = new byte[FrameCodec.MAX_PAYLOAD + 1024];
        byte[] gz = FrameCodec.gzip(zeros, 0, zeros.length);
        assertThrows(MalformedPayloadException.class, () -> FrameCodec.gunzip(gz, 0, gz.length));
    }

    @Test
    void readFullyAsksTheStreamForAtMostMaxReadBytesAtATime() throws Exception {
        byte[] src = new byte[3 * FrameCodec.MAX_READ + 17];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) i;
        }
        int[] largestAsk = {0};
        var in = new ByteArrayInputStream(src) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                largestAsk[0] = Math.max(largestAsk[0], len);
                return super.read(b, off, len);
            }
        };
        byte[] dst = new byte[src.length];
        FrameCodec.readFully(in, dst, 0, dst.length);
        assertArrayEquals(src, dst);
        assertEquals(FrameCodec.MAX_READ, largestAsk[0]);
    }
}
