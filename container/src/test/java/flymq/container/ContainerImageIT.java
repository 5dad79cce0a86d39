package flymq.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image this build makes ({@code target/flymq-VERSION-image.tar}): its configuration and layers read from the
 * tarball, its size, and the broker in it serving under podman (load, run read-only as Kubernetes runs it, wait for
 * {@code /ready} on the published health port, produce and consume with the image's own {@code flymq}, stop
 * gracefully). Where podman cannot run containers, the layers are unpacked and the broker is started from them.
 */
class ContainerImageIT {
    private static final Path TAR = Path.of(System.getProperty("flymq.container.tar", "target/flymq-image.tar"));
    private static final String NAME = System.getProperty("flymq.container.name", "flymq:unknown");
    /** The bound: 120 MB as a registry stores and a pull downloads it (compressed layers + config). */
    private static final long MAX_COMPRESSED_BYTES = 120_000_000L;
    private static final Pattern READY = Pattern.compile("^ready: protocol [^ ]*:(\\d+),");

    private static ImageTarball image;

    @BeforeAll
    static void readImage() throws IOException {
        image = ImageTarball.read(TAR);
    }

    @Test
    void configurationRunsTheBrokerAsNonRootOnAllInterfacesWithoutHealthcheck() {
        JsonNode c = image.config();
        assertEquals("65532:65532", c.path("User").asText(), "flymq, not root");
        assertEquals(List.of("/opt/flymq/bin/flymq"), strings(c.path("Entrypoint")));
        assertEquals(List.of("server", "start"), strings(c.path("Cmd")));
        Set<String> ports = new HashSet<>();
        c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        assertEquals(Set.of("9092/tcp", "9093/tcp", "9094/tcp", "9095/tcp", "9096/tcp"), ports);
        assertTrue(c.path("Volumes").has("/var/lib/flymq"), "the data directory is a volume: " + c.path("Volumes"));
        assertNull(c.get("Healthcheck"), "no HEALTHCHECK: Kubernetes probes /live and /ready instead");
        List<String> env = strings(c.path("Env"));
        for (String expected : List.of("FLYMQ_DATA_DIR=/var/lib/flymq", "FLYMQ_BIND_ADDR=0.0.0.0:9092",
                "FLYMQ_CLUSTER_ADDR=0.0.0.0:9093", "FLYMQ_OBSERVABILITY_METRICS_ADDR=0.0.0.0:9094",
                "FLYMQ_OBSERVABILITY_HEALTH_ADDR=0.0.0.0:9095")) {
            assertTrue(env.contains(expected), expected + " in " + env);
        }
        assertEquals("linux", image.rawConfig().path("os").asText());
        assertEquals("amd64", image.rawConfig().path("architecture").asText());
    }

    @Test
    void compressedSizeIsWithinTheBudget() {
        long bytes = image.compressedBytes();
        System.out.printf("container image %s: %.1f MB compressed (%d bytes) in %d layers%n", NAME, bytes / 1e6,
                bytes, image.layers().size());
        assertTrue(bytes <= MAX_COMPRESSED_BYTES, bytes + " bytes compressed, budget " + MAX_COMPRESSED_BYTES);
    }

    @Test
    void layersHoldTheRuntimeAndALibcAndNothingWritable() {
        for (String exe : List.of("/opt/flymq/bin/flymq", "/opt/flymq/bin/java", "/bin/sh",
                "/lib64/ld-linux-x86-64.so.2")) {
            ImageTarball.Entry e = image.entry(exe);
            assertNotNull(e, exe + " is in the image");
            assertEquals(0755, e.mode(), exe + " mode");
        }
        assertNotNull(image.entry("/opt/flymq/lib/modules"));
        assertNotNull(image.entry("/opt/flymq/lib/server/libjvm.so"));
        assertNotNull(image.entry("/etc/passwd"));
        ImageTarball.Entry data = image.entry("/var/lib/flymq");
        assertNotNull(data, "the data directory");
        assertTrue(data.directory());
        assertEquals(65532, data.uid(), "the data directory belongs to flymq");
        for (ImageTarball.Layer l : image.layers()) {
            for (ImageTarball.Entry e : l.entries().values()) {
                assertFalse(e.symlink(), e.path() + ": no symbolic links");
                if (e.path().equals("/tmp")) {
                    continue;
                }
                assertEquals(0, e.mode() & 022,
                        e.path() + " is writable by group or others: " + Integer.toOctalString(e.mode()));
                if (e.uid() != 0) {
                    assertTrue(Set.of("/var/lib/flymq", "/home/flymq").contains(e.path()),
                            e.path() + " belongs to " + e.uid() + ": only the data directory and home are flymq's");
                }
            }
        }
    }

    @Test
    void brokerServesUnderPodman() throws Exception {
        assumeTrue(Podman.usable(), Podman.reason());
        Podman.Result load = Podman.run("load", "-i", TAR.toAbsolutePath().toString());
        assertEquals(0, load.exit(), load.out());
        assertTrue(load.out().contains(NAME), "loaded under its name: " + load.out());
        String name = "flymq-it-" + ProcessHandle.current().pid();
        Podman.run("rm", "-f", "-v", name);
        // as Kubernetes runs it: read-only root, a scratch /tmp, no capabilities, an anonymous volume for the data
        Podman.Result run = Podman.runDetached(name, "--read-only", "--tmpfs", "/tmp",
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                "-p", "127.0.0.1::9092", "-p", "127.0.0.1::9095", image.id());
        assertEquals(0, run.exit(), run.out());
        try {
            int health = Podman.hostPort(name, 9095);
            assertTrue(Podman.waitReady(health, Duration.ofSeconds(90)),
                    () -> "/ready never answered 200; logs:\n" + Podman.logs(name));
            Podman.Result uid = Podman.run("exec", name, "sh", "-c",
                    "while read k v rest; do [ \"$k\" = Uid: ] && echo \"$v\"; done < /proc/1/status");
            assertEquals("65532", uid.out().strip(), "the broker runs as flymq");
            assertEquals(0, Podman.run("exec", name, "flymq", "topic", "create", "images").exit());
            Podman.Result produced = Podman.run("exec", name, "flymq", "produce", "images", "from-the-image",
                    "--acks", "all");
            assertEquals(0, produced.exit(), produced.out());
            Podman.Result consumed = Podman.run("exec", name, "flymq", "consume", "images", "--from", "earliest",
                    "--max", "1");
            assertEquals(0, consumed.exit(), consumed.out());
            assertTrue(consumed.out().contains("from-the-image"), consumed.out());
            HttpResponse<String> live = get(health, "/live");
            assertEquals(200, live.statusCode(), live.body());

            Podman.Result stop = Podman.run("stop", "-t", "20", name);
            assertEquals(0, stop.exit(), stop.out());
            Podman.Result exit = Podman.run("inspect", "--format", "{{.State.ExitCode}}", name);
            assertEquals("0", exit.out().strip(), () -> "a graceful stop on SIGTERM; logs:\n" + Podman.logs(name));
        } finally {
            Podman.run("rm", "-f", "-v", name);
            // every build loads a new image; a run of another build that still uses this one keeps it
            Podman.run("rmi", image.id());
        }
    }

    @Test
    void brokerStartsFromTheImagesLayersWherePodmanCannotRun(@TempDir Path dir) throws Exception {
        assumeFalse(Podman.usable(), "podman runs the image (brokerServesUnderPodman)");
        Path root = dir.resolve("rootfs");
        image.extract(TAR, root);
        Path flymq = root.resolve("opt/flymq/bin/flymq");
        List<String> cmd = List.of(flymq.toString(), "server", "start", "--bind-addr", "127.0.0.1:0",
                "--data-dir", dir.resolve("data").toString(), "--metrics-addr", "127.0.0.1:0",
                "--health-addr", "127.0.0.1:0", "--cluster-addr", "127.0.0.1:0");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet()
                .removeIf(k -> k.startsWith("FLYMQ_") || k.startsWith("JAVA_") || k.equals("JDK_JAVA_OPTIONS"));
        // the container's user cannot write /opt/flymq/lib, so a container never trains a broker startup cache;
        // this test runs as whoever runs the build, in a folder it owns
        pb.environment().put("FLYMQ_BROKER_CACHE_DIR", "none");
        Process server = pb.start();
        try {
            var reader = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line; (line = reader.readLine()) != null; ) {
                        Matcher m = READY.matcher(line);
                        if (m.find()) {
                            return Integer.parseInt(m.group(1));
                        }
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
                throw new IllegalStateException("the broker ended without a ready line");
            });
            String server0 = "127.0.0.1:" + port.get(60, TimeUnit.SECONDS);
            assertEquals(0, run(flymq, "topic", "create", "images", "--server", server0).exit());
            assertEquals(0, run(flymq, "produce", "images", "from-the-layers", "--server", server0).exit());
            Podman.Result consumed = run(flymq, "consume", "images", "--from", "earliest", "--max", "1",
                    "--server", server0);
            assertTrue(consumed.out().contains("from-the-layers"), consumed.out());
        } finally {
            server.destroy();
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        }
    }

    private static Podman.Result run(Path program, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(program.toString());
        cmd.addAll(List.of(args));
        return Podman.exec(cmd);
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
