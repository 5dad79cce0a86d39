package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.ClusterStatus;
import flymq.client.FlyMqClient;
import flymq.client.Message;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rogue node against a real three-node cluster of the shipped broker, all separate {@code bin/flymq server start}
 * processes. Once with the cluster secret (the rogue has another secret), once with node-to-node mutual TLS (the
 * rogue's certificate is from another CA, made with {@code flymq security init} like the cluster's). The rogue is a
 * fourth broker that names itself a founding member beside the three, so it campaigns and connects to every node;
 * the test also writes Raft frames straight to a node's cluster port, as an attacker without a broker would. The
 * cluster keeps committing throughout, its members stay the three, nothing of the rogue's reaches them, every node
 * counts the refusals in {@code flymq_cluster_auth_failures_total}, and the rogue's own log says it was refused.
 */
class ImageClusterAuthIT {
    private static final Pattern METRICS = Pattern.compile("metrics ([^ ,]+)");
    private static final List<String> NODES = List.of("n1", "n2", "n3");
    private static final String TOPIC = "guarded";

    @TempDir
    Path data;

    private final Map<String, Integer> clientPorts = new LinkedHashMap<>();
    private final Map<String, Integer> clusterPorts = new LinkedHashMap<>();
    private final Map<String, ImageProcess.Server> servers = new LinkedHashMap<>();
    /** What each process printed after its ready line (StringWriter appends under a lock: drain threads write). */
    private final Map<String, StringWriter> outputs = new java.util.concurrent.ConcurrentHashMap<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (ImageProcess.Server s : servers.values()) {
            s.process().destroy();
        }
        for (ImageProcess.Server s : servers.values()) {
            if (!s.process().waitFor(30, TimeUnit.SECONDS)) {
                s.process().destroyForcibly();
            }
        }
    }

    private String addr(String id) {
        return "127.0.0.1:" + clientPorts.get(id);
    }

    /** Starts a node; the three name each other as the founding members, the rogue names itself beside them. */
    private void start(String id, Map<String, String> env, List<String> more) throws IOException {
        String peers = String.join(",", clusterPorts.entrySet().stream()
                .filter(e -> id.equals("rogue") || !e.getKey().equals("rogue"))
                .map(e -> e.getKey() + "@127.0.0.1:" + e.getValue()).toList());
        List<String> args = new ArrayList<>(List.of("--node-id", id, "--bind-addr", addr(id),
                "--cluster-addr", "127.0.0.1:" + clusterPorts.get(id), "--peers", peers,
                "--data-dir", data.resolve(id).toString(), "--metrics-addr", "127.0.0.1:0",
                "--health-addr", "127.0.0.1:0"));
        args.addAll(more);
        StringWriter log = new StringWriter();
        outputs.put(id, log);
        servers.put(id, ImageProcess.startServer("node " + id, log, env, args.toArray(String[]::new)));
    }

    private void ports() throws IOException {
        for (String id : List.of("n1", "n2", "n3", "rogue")) {
            clientPorts.put(id, ImageProcess.freePort());
            clusterPorts.put(id, ImageProcess.freePort());
        }
    }

    @Test
    void aRogueWithAnotherSecretGetsNothingIn() throws Exception {
        ports();
        for (String id : NODES) {
            start(id, Map.of("FLYMQ_CLUSTER_SECRET", "the three nodes' own secret"), List.of());
        }
        runRogue(() -> start("rogue", Map.of("FLYMQ_CLUSTER_SECRET", "a rogue's guess at the secret"), List.of()),
                "does not prove the cluster secret");
        await("the rogue says it was refused", () -> outputs.get("rogue").toString()
                .contains("refused our cluster secret"));
    }

    @Test
    void aRogueWithACertificateFromAnotherCaGetsNothingIn() throws Exception {
        ports();
        Path certs = data.resolve("certs");
        Path rogueCerts = data.resolve("rogue-certs");
        securityInit(certs, "n1,n2,n3");
        securityInit(rogueCerts, "rogue");
        for (String id : NODES) {
            start(id, Map.of(), tlsFlags(certs, id));
        }
        // (under TLS 1.3 a client learns that its certificate was refused only when it reads, and a cluster
        // connection's client never reads: the refusal shows in the nodes' logs and counters)
        runRogue(() -> start("rogue", Map.of(), tlsFlags(rogueCerts, "rogue")), "TLS handshake failed");
    }

    private static void securityInit(Path dir, String nodes) throws Exception {
        ImageProcess.Result r = ImageProcess.run(Map.of(), ImageProcess.image().resolve("bin/flymq"), "security",
                "init", "--dir", dir.toString(), "--nodes", nodes);
        assertEquals(0, r.exit(), r.out());
    }

    private static List<String> tlsFlags(Path certs, String id) {
        return List.of("--set", "cluster.tls_enabled=true",
                "--set", "cluster.tls_cert_file=" + certs.resolve(id + ".crt"),
                "--set", "cluster.tls_key_file=" + certs.resolve(id + ".key"),
                "--set", "cluster.tls_ca_file=" + certs.resolve("ca.crt"));
    }

    private interface Starter {
        void start() throws IOException;
    }

    /** @param nodesSay what every node's log says about the rogue's connections */
    private void runRogue(Starter rogue, String nodesSay) throws Exception {
        await("a topic created through the cluster", () -> {
            try (FlyMqClient c = client("n1")) {
                c.createTopic(TOPIC, 1);
                return true;
            } catch (RuntimeException e) {
                return false; // no metadata leader yet
            }
        });
        produce(0, 50);
        Map<String, Long> before = new LinkedHashMap<>();
        for (String id : NODES) {
            before.put(id, authFailures(id));
        }

        rogue.start();
        // and hand-made Raft frames to a node's cluster port: a preamble without authentication, then an entry
        for (String id : NODES) {
            rawFrames(clusterPorts.get(id));
        }
        await("every node refused the rogue", () -> NODES.stream().allMatch(id -> authFailures(id) > before.get(id)));
        for (String id : NODES) {
            await(id + " logging the refusal", () -> outputs.get(id).toString().contains(nodesSay));
        }

        // the cluster goes on committing, with its three members only
        produce(50, 100);
        try (FlyMqClient c = client("n2")) {
            c.createTopic(TOPIC + "-after", 1);
        }
        for (String id : NODES) {
            await("100 records on " + id, () -> read(id).size() == 100);
            assertEquals(read("n1"), read(id));
            ClusterStatus status = status(id);
            assertEquals(NODES, status.nodes().stream().map(ClusterStatus.Node::nodeId).sorted().toList(),
                    "the members " + id + " knows");
            assertTrue(NODES.contains(status.controllerId()), "controller " + status.controllerId());
        }
        assertTrue(servers.get("rogue").process().isAlive(), "the rogue keeps trying: " + outputs.get("rogue"));
    }

    /** A preamble without authentication and one frame; the node must close the connection without reading on. */
    private static void rawFrames(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            byte[] payload = "an AppendEntries from nowhere".getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(0x464C5952); // "FLYR"
            out.writeInt(3); // this version's preamble without a cluster secret
            out.writeInt(payload.length);
            out.writeInt(0);
            out.write(payload);
            try {
                s.getOutputStream().write(bytes.toByteArray());
            } catch (IOException closed) {
                return; // the node hung up after the preamble, before the frame was through: refused
            }
            InputStream in = s.getInputStream();
            try {
                while (in.read() >= 0) {
                    // a TLS node answers the garbage with an alert before it closes; nothing else comes
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("the node on " + port + " kept a connection that never authenticated");
            } catch (IOException closed) {
                // reset: refused as well
            }
        }
    }

    private FlyMqClient client(String id) {
        return FlyMqClient.builder().bootstrap(addr(id)).connectTimeout(Duration.ofSeconds(2))
                .requestTimeout(Duration.ofSeconds(10)).build();
    }

    private void produce(int from, int to) throws InterruptedException {
        for (int i = from; i < to; i++) {
            int n = i;
            await("record " + n + " acknowledged", () -> {
                try (FlyMqClient c = client("n1")) {
                    c.produce(TOPIC, 0, null, ("r-" + n).getBytes(StandardCharsets.UTF_8));
                    return true;
                } catch (RuntimeException e) {
                    return false; // a partition leader still being elected
                }
            });
        }
    }

    private List<String> read(String id) {
        try (FlyMqClient c = client(id)) {
            return c.fetch(TOPIC, 0, 0, 1000).records().stream().map(Message::valueAsString).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private ClusterStatus status(String id) {
        try (FlyMqClient c = client(id)) {
            return c.clusterStatus();
        }
    }

    private long authFailures(String id) {
        Matcher m = METRICS.matcher(servers.get(id).readyLine());
        assertTrue(m.find(), servers.get(id).readyLine());
        try {
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + m.group(1)
                    + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(l -> l.startsWith("flymq_cluster_auth_failures_total"))
                    .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
