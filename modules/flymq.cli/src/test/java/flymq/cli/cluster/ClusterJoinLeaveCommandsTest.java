package flymq.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerConfig;
import flymq.broker.BrokerListener;
import flymq.broker.node.BrokerNode;
import flymq.cli.Cli;
import flymq.cli.ExitCode;
import flymq.cli.TestBroker;
import flymq.cli.output.Json;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flymq cluster join / leave} against in-process brokers: exit codes, output, and the change itself. */
class ClusterJoinLeaveCommandsTest {
    @TempDir
    Path dir;

    private final Map<String, BrokerNode> nodes = new LinkedHashMap<>();
    private final Map<String, Integer> clusterPorts = new LinkedHashMap<>();

    @AfterEach
    void closeAll() {
        nodes.values().forEach(BrokerNode::close);
    }

    /**
     * A free port below the kernel's ephemeral range (32768-60999 here): a port picked there can be taken by an
     * outgoing connection's local port before the node binds it, which failed CI runs.
     */
    private static int freePort() throws IOException {
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

    /** Two founders (n1, n2) and n3 started outside the cluster, waiting to join. */
    private void startTwoFoundersAndAJoiner() throws IOException {
        for (String id : List.of("n1", "n2", "n3")) {
            clusterPorts.put(id, freePort());
        }
        String peers = "n1@127.0.0.1:" + clusterPorts.get("n1") + ",n2@127.0.0.1:" + clusterPorts.get("n2");
        for (String id : clusterPorts.keySet()) {
            nodes.put(id, BrokerNode.start(BrokerConfig.load(null, Map.of(), Map.of("node_id", id,
                    "bind_addr", "127.0.0.1:0", "cluster_addr", "127.0.0.1:" + clusterPorts.get(id), "peers", peers,
                    "data_dir", dir.resolve(id).toString(), "observability.metrics.addr", "127.0.0.1:0",
                    "observability.health.addr", "127.0.0.1:0")), BrokerListener.NONE));
        }
    }

    private String server(String id) {
        return "127.0.0.1:" + nodes.get(id).boundPort();
    }

    /** Runs the command until it no longer fails because the cluster is still electing its first leader. */
    private Cli.Result runSettled(String... args) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        Cli.Result r = Cli.run(args);
        while (r.code() == ExitCode.FAILED && r.err().contains("not leader") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            r = Cli.run(args);
        }
        return r;
    }

    private static List<String> roles(Cli.Result r) {
        List<String> out = new ArrayList<>();
        for (Object m : (List<?>) ((Map<?, ?>) Json.parse(r.out())).get("members")) {
            Map<?, ?> member = (Map<?, ?>) m;
            out.add(member.get("node_id") + "=" + member.get("role"));
        }
        return out;
    }

    @Test
    void joinThenLeaveChangeTheMembersAndPrintThem() throws Exception {
        startTwoFoundersAndAJoiner();

        Cli.Result joined = runSettled("--server", server("n2"), "cluster", "join", "--node-id", "n3",
                "--cluster-addr", "127.0.0.1:" + clusterPorts.get("n3"), "--addr", server("n3"), "-o", "json");
        assertEquals(ExitCode.OK, joined.code(), joined.toString());
        assertEquals(List.of("n1=voter", "n2=voter", "n3=voter"), roles(joined).stream().sorted().toList());

        // n3 learns that it is a member from the metadata log, a heartbeat or so after the leader answered
        long deadline = System.nanoTime() + 30_000_000_000L;
        Cli.Result members = Cli.run("--server", server("n3"), "cluster", "members", "-o", "json");
        while (!members.out().contains("\"node_id\":\"n3\"") && System.nanoTime() < deadline) {
            Thread.sleep(20);
            members = Cli.run("--server", server("n3"), "cluster", "members", "-o", "json");
        }
        assertEquals(ExitCode.OK, members.code(), members.toString());
        assertTrue(members.out().contains("\"node_id\":\"n3\""), members.toString());

        // n3 asks the leader for the progress as soon as it has applied the leader's client address
        Cli.Result status = Cli.run("--server", server("n3"), "cluster", "status", "-o", "json");
        while (status.out().contains("\"match_index\":-1") && System.nanoTime() < deadline) {
            Thread.sleep(20);
            status = Cli.run("--server", server("n3"), "cluster", "status", "-o", "json");
        }
        assertEquals(ExitCode.OK, status.code(), status.toString());
        for (Object n : (List<?>) ((Map<?, ?>) Json.parse(status.out())).get("nodes")) {
            Map<?, ?> node = (Map<?, ?>) n;
            // n3 answers, but the match index of every node comes from the leader
            assertTrue((Long) node.get("match_index") >= 0, "progress of " + node + " in " + status);
            assertTrue(List.of("leader", "follower").contains(node.get("role")), node.toString());
        }
        Cli.Result table = runSettled("--server", server("n3"), "cluster", "status");
        assertTrue(table.out().lines().anyMatch(l -> l.matches("NODE\\s+ADDRESS\\s+STATE\\s+ROLE\\s+MATCH\\s+LAG")),
                table.toString());

        Cli.Result left = runSettled("--server", server("n3"), "cluster", "leave", "n1");
        assertEquals(ExitCode.OK, left.code(), left.toString());
        List<String> lines = left.out().lines().toList();
        assertEquals("left: n1", lines.get(0));
        assertTrue(lines.get(1).matches("NODE\\s+CLUSTER_ADDR\\s+ROLE"), lines.toString());
        assertEquals(4, lines.size(), "headline, table header, two members: " + lines);
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("n1 ")), lines.toString());
    }

    @Test
    void leaveOfAnUnknownNodeExitsOneNamingTheMembers() throws Exception {
        startTwoFoundersAndAJoiner();
        Cli.Result r = runSettled("--server", server("n1"), "cluster", "leave", "n9");
        assertEquals(ExitCode.FAILED, r.code(), r.toString());
        assertTrue(r.err().contains("node n9 is not a member of the cluster (members: n1,n2)"), r.toString());
    }

    @Test
    void joinWithoutAClusterAddressOrWithABadOneIsAUsageError() throws Exception {
        Cli.Result missing = Cli.run("--server", "127.0.0.1:1", "cluster", "join", "--node-id", "n4");
        assertEquals(ExitCode.USAGE, missing.code(), missing.toString());
        assertTrue(missing.err().contains("--cluster-addr"), missing.toString());

        Cli.Result bad = Cli.run("--server", "127.0.0.1:1", "cluster", "join", "--node-id", "n4",
                "--cluster-addr", "host-without-port");
        assertEquals(ExitCode.USAGE, bad.code(), bad.toString());
        assertTrue(bad.err().contains("'host-without-port' is not HOST:PORT"), bad.toString());
    }

    @Test
    void joinOnASingleBrokerIsRefused() {
        try (TestBroker single = TestBroker.start(dir.resolve("single"))) {
            Cli.Result r = single.run("cluster", "join", "--node-id", "n4", "--cluster-addr", "127.0.0.1:9999");
            assertEquals(ExitCode.FAILED, r.code(), r.toString());
            assertTrue(r.err().contains("runs as a single broker (no peers configured)"), r.toString());
        }
    }

    @Test
    void leaveWithNoBrokerListeningExitsThree() throws Exception {
        Cli.Result r = Cli.run("--server", "127.0.0.1:" + freePort(), "cluster", "leave", "n2");
        assertEquals(ExitCode.UNREACHABLE, r.code(), r.toString());
    }

    @Test
    void statusWithPartitionsShowsEachReplicasLagFromThePartitionsLeader() throws Exception {
        startTwoFoundersAndAJoiner();
        assertEquals(ExitCode.OK, runSettled("--server", server("n1"), "topic", "create", "st", "--partitions", "2",
                "--replication-factor", "2").code());
        assertEquals(ExitCode.OK, runSettled("--server", server("n1"), "produce", "st", "one", "--partition",
                "1", "--acks", "all").code());
        // the lags come from each partition's leader, which every node is asked for; wait for the elections
        long deadline = System.nanoTime() + 30_000_000_000L;
        Cli.Result status = Cli.run("--server", server("n2"), "cluster", "status", "--partitions", "-o", "json");
        while ((status.code() != ExitCode.OK || status.out().contains("\"lag\":-1"))
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
            status = Cli.run("--server", server("n2"), "cluster", "status", "--partitions", "-o", "json");
        }
        assertEquals(ExitCode.OK, status.code(), status.toString());
        List<?> rows = (List<?>) ((Map<?, ?>) Json.parse(status.out())).get("partition_status");
        assertEquals(2, rows.size(), status.toString());
        for (Object o : rows) {
            Map<?, ?> row = (Map<?, ?>) o;
            assertEquals("st", row.get("topic"));
            assertTrue(List.of("n1", "n2").contains(row.get("leader")), row.toString());
            List<?> replicas = (List<?>) row.get("replicas");
            assertEquals(2, replicas.size(), row.toString());
            for (Object r : replicas) {
                Map<?, ?> replica = (Map<?, ?>) r;
                assertTrue((Long) replica.get("lag") >= 0 && (Long) replica.get("match_index") >= 0, row.toString());
            }
        }
        Cli.Result table = Cli.run("--server", server("n1"), "cluster", "status", "--partitions");
        List<String> lines = table.out().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.matches("TOPIC\\s+PARTITION\\s+LEADER\\s+REPLICAS\\s+ISR\\s+LAG\\s+MOVING")),
                table.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches("st\\s+1\\s+n[12]\\s+(n1,n2|n2,n1)\\s+\\S+\\s+"
                + "n[12]:\\d+ n[12]:\\d+\\s+-")), table.toString()); // MOVING: no move in progress
    }

    @Test
    void reassignRebalanceDrainAndElectLeadersMovePartitionsToTheJoinedNode() throws Exception {
        startTwoFoundersAndAJoiner();
        assertEquals(ExitCode.OK, runSettled("--server", server("n1"), "topic", "create", "mv", "--partitions", "2",
                "--replication-factor", "2").code());
        assertEquals(ExitCode.OK, runSettled("--server", server("n2"), "cluster", "join", "--node-id", "n3",
                "--cluster-addr", "127.0.0.1:" + clusterPorts.get("n3"), "--addr", server("n3")).code());

        Cli.Result both = Cli.run("--server", server("n1"), "cluster", "reassign", "--topic", "mv", "--partition",
                "0", "--replicas", "n3", "--cancel");
        assertEquals(ExitCode.USAGE, both.code(), both.toString());
        Cli.Result unknown = runSettled("--server", server("n1"), "cluster", "reassign", "--topic", "mv",
                "--partition", "0", "--replicas", "n9");
        assertEquals(ExitCode.FAILED, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("node n9 is not a voting member"), unknown.toString());

        Cli.Result moved = runSettled("--server", server("n2"), "cluster", "reassign", "--topic", "mv",
                "--partition", "0", "--replicas", "n3,n1");
        assertEquals(ExitCode.OK, moved.code(), moved.toString());
        assertEquals("moving mv-0 to n3,n1", moved.out().strip());
        long deadline = System.nanoTime() + 60_000_000_000L;
        Cli.Result status = Cli.run("--server", server("n1"), "cluster", "status", "--partitions", "-o", "json");
        while (!status.out().contains("\"partition\":0,\"leader\":\"n3\"") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            status = Cli.run("--server", server("n1"), "cluster", "status", "--partitions", "-o", "json");
        }
        assertTrue(status.out().contains("\"partition\":0,\"leader\":\"n3\""), "n3 leads mv-0: " + status);

        Cli.Result plan = runSettled("--server", server("n3"), "cluster", "rebalance", "--dry-run", "-o", "json");
        assertEquals(ExitCode.OK, plan.code(), plan.toString());
        assertTrue(plan.out().startsWith("{\"moves\":["), plan.toString());
        Cli.Result drained = runSettled("--server", server("n1"), "cluster", "drain", "n3");
        assertEquals(ExitCode.OK, drained.code(), drained.toString());
        assertTrue(drained.out().startsWith("draining n3: "), drained.toString());
        Cli.Result elected = runSettled("--server", server("n1"), "cluster", "elect-leaders", "-o", "json");
        assertEquals(ExitCode.OK, elected.code(), elected.toString());
        Cli.Result drainNobody = runSettled("--server", server("n1"), "cluster", "drain", "n9");
        assertEquals(ExitCode.FAILED, drainNobody.code(), drainNobody.toString());
    }
}
