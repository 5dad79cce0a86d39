package flymq.broker;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Ports for tests that must name a node's address before the node binds it (cluster peers, fixed endpoints). */
public final class TestPorts {
    private TestPorts() {
    }

    /**
     * A free loopback port below the kernel's ephemeral range (32768-60999 here): a port picked there can be taken by
     * an outgoing connection's local port before the node binds it, which failed CI runs.
     */
    public static int freePort() throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (BindException taken) {
                // in use: try another
            }
        }
        throw new IOException("no free loopback port in 20000-31999");
    }
}
