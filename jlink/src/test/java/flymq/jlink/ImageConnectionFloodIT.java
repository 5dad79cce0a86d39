package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.Message;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped broker with its default heap (256 MiB) and default limits, started as users start it, holds 10,000
 * idle connections plus a flood of half-sent headers and of headers announcing the largest payload, and still
 * serves produce, fetch and {@code /live}, within a generous bound on its resident memory.
 *
 * <p>The idle connections come from three loopback addresses (127.0.0.2-4) because one address may hold at most
 * {@code network.max_connections_per_ip} (4,096 by default). When the hard limit on open files does not allow
 * 10,000 (this process holds the client ends, the broker the server ends), the test opens as many as it allows and
 * says so on its output.
 */
class ImageConnectionFloodIT {
    private static final int IDLE = 10_000;
    private static final int HALF_HEADERS = 500;
    private static final int LARGE_ANNOUNCED = 100;
    /** Generous: measured 200-260 MiB with everything open (docs/broker.md, "Limits"). */
    private static final long RSS_CEILING_KIB = 450L * 1024;
    private static final Pattern HEALTH = Pattern.compile("health ([^ ,]+:\\d+)");
    private static final Pattern METRICS = Pattern.compile("metrics ([^ ,]+:\\d+)");

    @Test
    void tenThousandIdleConnectionsAndFloodsLeaveTheBrokerServingWithinItsMemory(@TempDir Path data)
            throws Exception {
        int hardLimit = ImageProcess.openFilesHardLimit();
        int idle = (int) Math.min(IDLE, (long) hardLimit - HALF_HEADERS - LARGE_ANNOUNCED - 1_000);
        if (idle < IDLE) {
            System.out.println("open files hard limit is " + hardLimit + ": opening " + idle
                    + " idle connections instead of " + IDLE);
        }
        ImageProcess.Server server = ImageProcess.startServerWithAllFiles("broker", "--bind-addr", "127.0.0.1:0",
                "--data-dir", data.toString(), "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0");
        List<SocketChannel> open = new ArrayList<>();
        try {
            InetSocketAddress broker = new InetSocketAddress("127.0.0.1", server.port());
            for (int i = 0; i < idle; i++) {
                open.add(connect("127.0.0." + (2 + i % 3), broker));
            }
            byte[] header = {(byte) 0xAF, 1, 0x01, 1, 0x02, 0, 0, 0};
            for (int i = 0; i < HALF_HEADERS; i++) {
                SocketChannel c = connect("127.0.0.5", broker);
                c.write(ByteBuffer.wrap(header, 0, 5));
                open.add(c);
            }
            ByteBuffer kib = ByteBuffer.allocate(1024);
            for (int i = 0; i < LARGE_ANNOUNCED; i++) {
                SocketChannel c = connect("127.0.0.6", broker);
                c.write(ByteBuffer.wrap(header));
                c.write(kib.clear());
                open.add(c);
            }

            byte[][] values = new byte[200][];
            try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + server.port())) {
                client.createTopic("flooded", 1);
                for (int i = 0; i < values.length; i++) {
                    values[i] = ("record-" + i).getBytes(StandardCharsets.UTF_8);
                    assertEquals(i, client.produce("flooded", 0, null, values[i]).offset());
                }
                List<Message> back = client.fetch("flooded", 0, 0, values.length).records();
                assertEquals(values.length, back.size());
                for (int i = 0; i < values.length; i++) {
                    assertArrayEquals(values[i], back.get(i).value());
                }
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("http://"
                    + address(HEALTH, server.readyLine()) + "/live")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, live.statusCode(), live.body());
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://"
                    + address(METRICS, server.readyLine()) + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            long active = gauge(metrics, "flymq_server_connections_active");
            assertTrue(active >= idle + HALF_HEADERS + LARGE_ANNOUNCED,
                    "every flood connection is still open: " + active + " active");
            long rss = rssKiB(server.process().pid());
            System.out.println("broker RSS with " + active + " connections open: " + rss / 1024 + " MiB");
            assertTrue(rss < RSS_CEILING_KIB, "broker RSS " + rss / 1024 + " MiB with " + active
                    + " connections open, ceiling " + RSS_CEILING_KIB / 1024 + " MiB");
            assertTrue(server.process().isAlive());
        } finally {
            for (SocketChannel c : open) {
                c.close();
            }
            server.process().destroy();
            assertTrue(server.process().waitFor(30, TimeUnit.SECONDS), "the broker stops on SIGTERM");
        }
    }

    private static SocketChannel connect(String from, InetSocketAddress to) throws IOException {
        SocketChannel c = SocketChannel.open();
        c.bind(new InetSocketAddress(from, 0));
        c.connect(to);
        return c;
    }

    private static String address(Pattern p, String readyLine) {
        Matcher m = p.matcher(readyLine);
        assertTrue(m.find(), "ready line names it: " + readyLine);
        return m.group(1);
    }

    private static long gauge(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.eE+]+)$").matcher(scrape);
        assertTrue(m.find(), name + " in the scrape");
        return (long) Double.parseDouble(m.group(1));
    }

    /** Resident set of a process, from {@code /proc/<pid>/status}. */
    private static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no VmRSS for process " + pid);
    }
}
