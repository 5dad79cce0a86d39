package flymq.broker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.function.LongSupplier;

/** Client-side helpers of the server tests: connect from a chosen loopback address, see a close, wait for a count. */
final class ServerSockets {
    private ServerSockets() {
    }

    /** A client socket bound to {@code fromAddress} (any 127.x address works on Linux) connected to the server. */
    static Socket connect(ProtocolServer server, String fromAddress) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(fromAddress, 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Whether the server closed the connection: end of stream or a reset, before any byte. */
    static boolean closedByServer(Socket s) throws IOException {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }

    /** Waits up to 10 s for {@code value} to become {@code expected}, then asserts it. */
    static void await(LongSupplier value, long expected, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (value.getAsLong() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(expected, value.getAsLong(), what);
    }
}
