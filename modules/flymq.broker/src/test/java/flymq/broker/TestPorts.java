package flymq.broker;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/** Ports for tests that must name a node's address before the node binds it (cluster peers, fixed endpoints). */
public final class TestPorts {
    /**
     * Every port handed out in this JVM: a port is free when picked but bound only later, so two picks (two nodes of
     * one test, or a node of a test whose close is still under way) must never get the same one.
     */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private TestPorts() {
    }

    /**
     * A free loopback port below the kernel's ephemeral range (32768-60999 here): a port picked there can be taken by
     * an outgoing connection's local port before the node binds it, which failed CI runs. Never the same port twice
     * in one JVM.
     */
    public static int freePort() throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (BindException taken) {
                // in use: try another
            }
        }
        throw new IOException("no free loopback port in 20000-31999");
    }
}
