package flymq.broker;

import static flymq.broker.TestPorts.freePort;

import flymq.broker.node.BrokerNode;
import flymq.broker.replication.ClusterTuning;
import flymq.client.ClusterMetadata;
import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqException;
import flymq.client.Header;
import flymq.client.Message;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.message.BatchFetchRequest;
import flymq.protocol.message.BatchFetchResponse;
import flymq.raft.RaftGroupConfig;
import flymq.storage.StoredRecord;
import flymq.storage.StoredRecords;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.ByteBuffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Three in-process broker nodes on loopback forming a cluster from configuration (peers, node_id, cluster_addr),
 * each node's cluster transport wrapped by a {@link FaultyTransport} of one shared {@link FaultyTransport.Network}.
 * Nodes can be stopped and restarted on their data directories.
 */
final class ClusterHarness implements AutoCloseable {
    static final int SIZE = 3;

    final FaultyTransport.Network network;
    private final List<Map<String, String>> flags = new ArrayList<>();
    private final BrokerNode[] nodes = new BrokerNode[SIZE];
    private final Consumer<RaftGroupConfig.Builder> partitionRaft;
    private final Consumer<RaftGroupConfig.Builder> metadataRaft;
    private Map<String, String> extraFlags = Map.of();
    private java.time.InstantSource clock = java.time.InstantSource.system();

    /** @param partitionRaft adjusts the partition groups' Raft settings (e.g. a short snapshot interval) */
    ClusterHarness(Path dir, long seed, Consumer<RaftGroupConfig.Builder> partitionRaft) throws IOException {
        this(dir, seed, b -> { }, partitionRaft);
    }

    /** @param metadataRaft adjusts the metadata group's Raft settings (e.g. a short snapshot interval) */
    ClusterHarness(Path dir, long seed, Consumer<RaftGroupConfig.Builder> metadataRaft,
                   Consumer<RaftGroupConfig.Builder> partitionRaft) throws IOException {
        this.network = new FaultyTransport.Network(seed);
        this.metadataRaft = metadataRaft;
        this.partitionRaft = partitionRaft;
        this.dir = dir;
        pickPorts();
    }

    private final Path dir;

    private void pickPorts() throws IOException {
        int[] ports = new int[SIZE];
        for (int i = 0; i < SIZE; i++) {
            ports[i] = freePort();
        }
        StringBuilder peers = new StringBuilder();
        for (int i = 0; i < SIZE; i++) {
            peers.append(i == 0 ? "" : ",").append(id(i)).append("@127.0.0.1:").append(ports[i]);
        }
        flags.clear();
        for (int i = 0; i < SIZE; i++) {
            Map<String, String> node = new java.util.HashMap<>(extraFlags);
            node.putAll(nodeFlags.apply(i));
            node.putAll(Map.of("node_id", id(i), "bind_addr", "127.0.0.1:0", "cluster_addr", "127.0.0.1:" + ports[i],
                    "peers", peers.toString(), "data_dir", dir.resolve(id(i)).toString()));
            flags.add(node);
        }
    }

    private java.util.function.IntFunction<Map<String, String>> nodeFlags = i -> Map.of();

    /**
     * More configuration for node {@code i} alone (e.g. its {@code advertised_addr}), kept when the ports are picked
     * again; call before {@link #startAll}.
     */
    ClusterHarness withNodeFlags(java.util.function.IntFunction<Map<String, String>> more) throws IOException {
        nodeFlags = more;
        pickPorts();
        return this;
    }

    /** More configuration for every node (e.g. small cluster memory budgets); call before {@link #startAll}. */
    ClusterHarness withFlags(Map<String, String> more) throws IOException {
        extraFlags = Map.copyOf(more);
        pickPorts();
        return this;
    }

    /**
     * Every node's wall clock (TTL, delayed delivery, retry holds, timestamps) from the next start on; a
     * {@link TestClock} lets a test move time.
     */
    ClusterHarness withClock(java.time.InstantSource clock) {
        this.clock = clock;
        return this;
    }

    /** Changes node {@code i}'s configuration for its next {@link #start} (e.g. a rotated key); others keep theirs. */
    void changeFlags(int i, Map<String, String> changed) {
        flags.get(i).putAll(changed);
    }

    static String id(int i) {
        return "n" + (i + 1);
    }

    static int index(String nodeId) {
        return Integer.parseInt(nodeId.substring(1)) - 1;
    }

    /**
     * Starts every node. A cluster port picked free can be taken by an outgoing connection's ephemeral port before
     * the node binds it: a fresh cluster (no node started before) then retries with new ports.
     */
    ClusterHarness startAll() throws IOException {
        boolean fresh = Arrays.stream(nodes).allMatch(Objects::isNull) && !started;
        for (int attempt = 1; ; attempt++) {
            try {
                for (int i = 0; i < SIZE; i++) {
                    start(i);
                }
                started = true;
                return this;
            } catch (UncheckedIOException e) {
                if (!fresh || attempt == 3 || !(rootCause(e) instanceof BindException)) {
                    throw e;
                }
                for (int i = 0; i < SIZE; i++) {
                    stop(i);
                }
                deleteTree(dir);
                pickPorts();
            }
        }
    }

    private boolean started;

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(root)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    void start(int i) {
        String self = id(i);
        ClusterTuning tuning = new ClusterTuning(t -> network.wrap(self, t), metadataRaft, partitionRaft);
        nodes[i] = BrokerNode.start(BrokerConfig.load(null, Map.of(), flags.get(i)), BrokerListener.NONE, tuning,
                clock);
    }

    void stop(int i) {
        if (nodes[i] != null) {
            nodes[i].close();
            nodes[i] = null;
        }
    }

    boolean running(int i) {
        return nodes[i] != null;
    }

    BrokerNode node(int i) {
        return nodes[i];
    }

    int port(int i) {
        return nodes[i].boundPort();
    }

    /** Where clients and the other nodes reach node {@code i}: its {@code advertised_addr}, else its bound port. */
    String clientAddress(int i) {
        String advertised = flags.get(i).getOrDefault("advertised_addr", "");
        return advertised.isEmpty() ? "127.0.0.1:" + port(i) : advertised;
    }

    FlyMqClient client(int i) {
        return client(i, Duration.ofSeconds(20));
    }

    FlyMqClient client(int i, Duration requestTimeout) {
        return clientSettings.apply(FlyMqClient.builder().bootstrap("127.0.0.1:" + port(i)).connectPasses(1)
                .requestTimeout(requestTimeout)).build();
    }

    private java.util.function.UnaryOperator<FlyMqClient.Builder> clientSettings = b -> b;

    /** How {@link #client} connects beyond the address (TLS trust, credentials) when the nodes ask for more. */
    ClusterHarness withClientSettings(java.util.function.UnaryOperator<FlyMqClient.Builder> settings) {
        clientSettings = settings;
        return this;
    }

    int firstRunning() {
        for (int i = 0; i < SIZE; i++) {
            if (running(i)) {
                return i;
            }
        }
        throw new AssertionError("no node is running");
    }

    /** Waits until every running node's current client address is registered (so forwarding works everywhere). */
    void awaitRegistered() throws InterruptedException {
        await("every client address registered", 20_000, () -> {
            for (int i = 0; i < SIZE; i++) {
                if (!running(i)) {
                    continue;
                }
                try (FlyMqClient c = client(i)) {
                    // client ports are ephemeral: after a restart the table must hold the new ones
                    if (c.clusterStatus().nodes().stream().anyMatch(n -> running(index(n.nodeId()))
                            && !n.clientAddress().equals(clientAddress(index(n.nodeId()))))) {
                        return false;
                    }
                } catch (RuntimeException e) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Index of the node leading the partition's Raft group as seen by every running node alike. */
    int partitionLeader(String topic, int partition) throws InterruptedException {
        int[] leader = {-1};
        await("an agreed leader of " + topic + "-" + partition, 20_000, () -> {
            String agreed = null;
            for (int i = 0; i < SIZE; i++) {
                if (!running(i)) {
                    continue;
                }
                String id;
                try (FlyMqClient c = client(i)) {
                    ClusterMetadata m = c.clusterMetadata(topic);
                    if (m.topics().isEmpty() || m.topics().get(0).partitions().size() <= partition) {
                        return false;
                    }
                    id = m.topics().get(0).partitions().get(partition).leaderId();
                } catch (RuntimeException e) {
                    return false;
                }
                if (id.isEmpty() || !running(index(id)) || (agreed != null && !agreed.equals(id))) {
                    return false;
                }
                agreed = id;
            }
            leader[0] = index(agreed);
            return true;
        });
        return leader[0];
    }

    int metadataLeader() throws InterruptedException {
        int[] leader = {-1};
        await("a metadata leader", 20_000, () -> {
            for (int i = 0; i < SIZE; i++) {
                if (running(i) && nodes[i].metadataGroup().orElseThrow().isLeader()) {
                    leader[0] = i;
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    /**
     * The records node {@code i} itself holds for the partition: a BATCH_FETCH sent with the forwarded marker, which
     * the node serves from its own log instead of routing it to the partition's leader (asked again for up to 30 s
     * while the node refuses because its replica is starting, copying or replaying).
     */
    List<Message> localRecords(int i, String topic, int partition) throws IOException {
        return localRecords(port(i), id(i), topic, partition);
    }

    /** {@link #localRecords(int, String, int)} of the node {@code nodeId} serving clients on {@code port}. */
    static List<Message> localRecords(int port, String nodeId, String topic, int partition) throws IOException {
        List<Message> all = new ArrayList<>();
        long refusedUntil = System.nanoTime() + 30_000_000_000L;
        try (WireClient w = new WireClient(port)) {
            while (true) {
                WireClient.Frame f = w.call(ExtensionOpcodes.BATCH_FETCH, new BatchFetchRequest(topic, 1 << 20,
                        List.of(new BatchFetchRequest.Position(partition, all.size())), true));
                if (f.isError()) {
                    throw new AssertionError("local BATCH_FETCH on " + nodeId + ": " + f.errorText());
                }
                PayloadReader r = f.reader();
                BatchFetchResponse.PartitionHeader p = BatchFetchResponse.read(r).partitions().get(0);
                if (p.error().startsWith("not leader") && System.nanoTime() < refusedUntil) {
                    // a replica that is starting, copying or replaying refuses reads of its copy: ask again
                    sleepQuietly(50);
                    continue;
                }
                if (!p.error().isEmpty()) {
                    throw new AssertionError("local BATCH_FETCH on " + nodeId + ": " + p.error());
                }
                if (p.recordCount() == 0) {
                    return all;
                }
                for (StoredRecord sr : StoredRecords.decode(ByteBuffer.wrap(f.payload(), r.position(),
                        p.byteLength()))) {
                    List<Header> headers = sr.headers().stream().map(h -> new Header(h.key(), h.value())).toList();
                    all.add(new Message(topic, partition, sr.offset(), sr.timestamp(),
                            sr.key() == null ? new byte[0] : sr.key(), sr.value(), headers));
                }
            }
        }
    }

    private static void sleepQuietly(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while a replica refused reads");
        }
    }

    /**
     * The partition's records read through the node {@code node} names at each try (routed to the leader), once
     * they number at least {@code atLeast}; a try that fails or finds fewer reads again from offset 0.
     */
    List<Message> readPartition(IntSupplier node, String topic, int partition, int atLeast)
            throws InterruptedException {
        List<Message> all = new ArrayList<>();
        await(atLeast + " records of " + topic + "-" + partition, 20_000, () -> {
            all.clear();
            try (FlyMqClient c = client(node.getAsInt())) {
                long next = 0;
                while (true) {
                    var f = c.batchFetch(topic, List.of(new FetchPosition(partition, next)), 1 << 20).get(0);
                    if (!f.ok()) {
                        return false;
                    }
                    if (f.records().isEmpty()) {
                        return all.size() >= atLeast;
                    }
                    all.addAll(f.records());
                    next = f.nextOffset(next);
                }
            } catch (FlyMqException e) {
                return false;
            }
        });
        return all;
    }

    static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
            }
            Thread.sleep(20);
        }
    }


    @Override
    public void close() {
        for (int i = 0; i < SIZE; i++) {
            try {
                stop(i);
            } catch (RuntimeException e) {
                // keep closing the others
            }
        }
        network.close();
    }
}
