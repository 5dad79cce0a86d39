package flymq.storage.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.storage.LogSlice;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LogSlice#copyThrough}, the TLS path of a fetch: bytes arrive whole and in order after what the buffer held,
 * every write is a whole buffer, and what is left over is said, for file slices (positional reads) and heap slices
 * (the default through transferTo) alike.
 */
class LogSliceCopyThroughTest {
    @TempDir
    Path dir;

    /** Records every write's size and the bytes written. */
    private static final class Recording extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Integer> writes = new ArrayList<>();

        @Override
        public void write(int b) {
            throw new AssertionError("single-byte write");
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writes.add(len);
            bytes.write(b, off, len);
        }
    }

    private static void check(byte[] content, int from, int size, LogSlice first, LogSlice second) throws IOException {
        byte[] buffer = new byte[1000];
        byte[] head = "HEAD".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, buffer, 0, head.length);
        Recording out = new Recording();
        int left = first.copyThrough(buffer, head.length, out);
        left = second.copyThrough(buffer, left, out);
        out.write(buffer, 0, left);
        byte[] got = out.bytes.toByteArray();
        assertArrayEquals(head, Arrays.copyOf(got, head.length));
        assertArrayEquals(Arrays.copyOfRange(content, from, from + size),
                Arrays.copyOfRange(got, head.length, got.length));
        assertEquals((head.length + size) % 1000, left);
        List<Integer> full = out.writes.subList(0, out.writes.size() - 1);
        assertTrue(full.stream().allMatch(n -> n == 1000), out.writes.toString());
    }

    @Test
    void fileAndHeapSlicesArriveWholeInOrderInWholeBufferWrites() throws IOException {
        byte[] content = new byte[10_000];
        new Random(3).nextBytes(content);
        Path f = dir.resolve("00000000000000000000.log");
        Files.write(f, content);
        try (FileChannel ch = FileChannel.open(f)) {
            check(content, 17, 6000, new FileLogSlice(ch, f, 17, 2500, 0, 5),
                    new FileLogSlice(ch, f, 2517, 3500, 5, 9));
            check(content, 100, 3333, new HeapLogSlice(ByteBuffer.wrap(content, 100, 1111), 0, 1),
                    new HeapLogSlice(ByteBuffer.wrap(content, 1211, 2222), 1, 2));
        }
    }

    @Test
    void aFileSliceBeyondItsFileFailsInsteadOfSendingShort() throws IOException {
        Path f = dir.resolve("short.log");
        Files.write(f, new byte[100]);
        try (FileChannel ch = FileChannel.open(f)) {
            LogSlice gone = new FileLogSlice(ch, f, 50, 200, 0, 1);
            IOException e = assertThrows(IOException.class,
                    () -> gone.copyThrough(new byte[64], 0, OutputStream.nullOutputStream()));
            assertTrue(e.getMessage().contains("no longer exists"), e.getMessage());
        }
    }
}
