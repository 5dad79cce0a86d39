package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import flymq.client.FetchResult;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped broker on a data directory that fills up (a small tmpfs, so it needs root; skipped otherwise): every
 * produce gets a typed error naming the cause, the log says so once (no stack trace per request), the failures are
 * counted in {@code flymq_storage_errors_total}, acknowledged records stay intact, and produce works again, with one
 * line saying so, as soon as space is freed.
 */
class ImageDiskFullIT {
    private static final Pattern METRICS = Pattern.compile("metrics ([^ ,]+)");

    @Test
    void aFullDiskFailsProducesCleanlyAndRecovers(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=24m", "flymq-disk-full-it",
                data.toString()).redirectErrorStream(true).start();
        assumeTrue(mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0,
                "needs root to mount a small tmpfs: " + new String(mount.getInputStream().readAllBytes()));
        StringWriter log = new StringWriter();
        ImageProcess.Server server = null;
        try {
            server = ImageProcess.startServer("broker", log, "--bind-addr", "127.0.0.1:0", "--data-dir",
                    data.toString(), "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0");
            try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + server.port())) {
                client.createTopic("full", 1);
                for (int i = 0; i < 100; i++) {
                    client.produce("full", 0, null, value(i));
                }
                Path filler = data.resolve("filler");
                fill(filler);
                int refused = 0;
                for (int i = 0; i < 200; i++) {
                    try {
                        client.produce("full", 0, null, new byte[4096]);
                    } catch (FlyMqServerException e) {
                        assertTrue(e.serverMessage().contains("no space left on device"), e.serverMessage());
                        refused++;
                    }
                }
                assertEquals(200, refused, "every produce on the full disk is refused");
                assertTrue(storageErrors(server) >= 200, "failures are counted: " + storageErrors(server));

                Files.delete(filler);
                client.produce("full", 0, null, value(100));
                FetchResult back = client.fetch("full", 0, 0, 1000);
                assertEquals(101, back.records().size(), "acknowledged records, and the one after recovery");
                for (int i = 0; i <= 100; i++) {
                    assertArrayEquals(value(i), back.records().get(i).value());
                }
            }
        } finally {
            if (server != null) {
                server.process().destroy();
                server.process().waitFor(30, TimeUnit.SECONDS);
                server.awaitOutput();
            }
            new ProcessBuilder("umount", data.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
        String out = log.toString();
        assertEquals(1, count(out, "storage: writes are failing"), out);
        assertEquals(1, count(out, "storage: writes succeed again"), out);
        assertFalse(out.contains("\tat "), "no stack trace in the log:\n" + out);
        assertFalse(out.contains("SEVERE"), out);
    }

    private static byte[] value(int i) {
        return ("record-" + i).getBytes(StandardCharsets.UTF_8);
    }

    /** Writes until the file system says it is full. */
    private static void fill(Path filler) {
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException full) {
            assertTrue(String.valueOf(full.getMessage()).contains("No space left"), full.toString());
        }
    }

    private static long storageErrors(ImageProcess.Server server) throws Exception {
        Matcher m = METRICS.matcher(server.readyLine());
        assertTrue(m.find(), server.readyLine());
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + m.group(1)
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith("flymq_storage_errors_total{") && l.contains("no_space"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
