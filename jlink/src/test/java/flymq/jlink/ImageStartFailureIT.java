package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's {@code bin/flymq server start} when the health port is taken: no ready line naming a port it does not
 * own, exit 1, and besides the banner one line naming the port and the cause (no Helidon trace).
 */
class ImageStartFailureIT {

    @Test
    void aTakenHealthPortEndsTheStartWithOneLine(@TempDir Path dir) throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String health = "127.0.0.1:" + busy.getLocalPort();
            var r = ImageProcess.run(Map.of(), ImageProcess.image().resolve("bin/flymq"), "server", "start",
                    "--data-dir", dir.resolve("data").toString(), "--bind-addr", "127.0.0.1:0",
                    "--metrics-addr", "127.0.0.1:0", "--health-addr", health);

            assertEquals(1, r.exit(), r.out());
            List<String> lines = r.out().lines().toList();
            assertEquals(2, lines.size(), r.out());
            assertEquals("FlyMQ " + ImageProcess.version() + ": node " + lines.get(0).split("node ")[1], lines.get(0));
            assertEquals("flymq server start: cannot start the broker: cannot listen on observability.health.addr "
                    + health + ": Address already in use", lines.get(1));
            assertFalse(lines.stream().anyMatch(l -> l.startsWith("ready")), r.out());
        }
    }
}
