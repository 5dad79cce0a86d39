package flymq.cli.cluster;

import flymq.client.ClusterStatus;
import flymq.client.FlyMqClient;
import flymq.client.PartitionMove;
import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `flymq cluster status`. */
@Command(name = "status",
        header = "Show the cluster id, the answering node, the leader and every node's state.",
        description = {"", "Asks the broker named by --server (CLUSTER_STATUS) and, for the partition count, "
                + "CLUSTER_METADATA. Each node's role (leader, follower, learner), the metadata log index it holds "
                + "(MATCH) and how many entries it is behind (LAG) come from the leader, the only node tracking "
                + "them: when --server is another node, the leader is asked too ('-' where it cannot be reached).",
                "", "With --partitions, one row per partition: its leader, replicas and ISR (CLUSTER_METADATA), and "
                + "each replica's lag behind the leader in the partition's Raft log, in entries (one entry per "
                + "produced batch), e.g. 'n2:0 n3:14'. Only a partition's leader tracks that, so every node is asked "
                + "(CLUSTER_STATUS lists the partitions each leads); '-' where the leader did not answer. MOVING "
                + "shows a reassignment in progress (REASSIGNMENTS) by its target; the nodes it adds appear in LAG as "
                + "they catch up ('back to' after a cancel); 'queued to' a move of a rebalance or drain waiting for "
                + "a slot (cluster.reassignment_max_concurrent).",
                "", "Examples:", "  flymq cluster status", "  flymq cluster status --partitions -o json", ""},
        mixinStandardHelpOptions = true)
public final class ClusterStatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--partitions", description = "Also show every partition's leader, replicas, ISR and each "
            + "replica's lag (asks every node).")
    boolean showPartitions;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var status = withLeaderProgress(client.clusterStatus(), g);
            var metadata = client.clusterMetadata("");
            int partitions = metadata.topics().stream().mapToInt(t -> t.partitions().size()).sum();
            long offline = metadata.topics().stream().flatMap(t -> t.partitions().stream())
                    .filter(p -> !p.state().equals("online")).count();
            Map<String, ClusterStatus.LedPartition> led = showPartitions ? ledPartitions(client, status, g)
                    : Map.of();
            Map<String, PartitionMove> moving = new HashMap<>();
            Map<String, PartitionMove> waiting = new HashMap<>();
            if (showPartitions) {
                client.reassignments().forEach(m -> moving.put(m.topic() + "-" + m.partition(), m));
                client.queuedReassignments().forEach(m -> waiting.put(m.topic() + "-" + m.partition(), m));
            }
            if (g.json()) {
                var nodes = new ArrayList<Object>();
                status.nodes().forEach(n -> nodes.add(Json.object("node_id", n.nodeId(), "address", n.address(),
                        "state", n.state(), "leader", n.nodeId().equals(status.leaderId()), "role", n.role(),
                        "match_index", n.matchIndex(), "lag", n.lag())));
                var doc = Json.object("cluster_id", status.clusterId(), "node_id", status.nodeId(),
                        "leader_id", status.leaderId(), "topics", metadata.topics().size(), "partitions", partitions,
                        "offline_partitions", offline, "nodes", nodes, "term", status.term(),
                        "commit_index", status.commitIndex());
                if (showPartitions) {
                    var rows = new ArrayList<Object>();
                    for (var t : metadata.topics()) {
                        for (var p : t.partitions()) {
                            var l = led.get(t.name() + "-" + p.partition());
                            var move = moving.get(t.name() + "-" + p.partition());
                            var replicas = new ArrayList<Object>();
                            for (String id : withTargets(p.replicas(), move)) {
                                var r = l == null ? null : l.replicas().stream().filter(x -> x.nodeId().equals(id))
                                        .findFirst().orElse(null);
                                replicas.add(Json.object("node_id", id, "match_index", r == null ? -1 : r.matchIndex(),
                                        "lag", r == null ? -1 : r.lag()));
                            }
                            var row = Json.object("topic", t.name(), "partition", p.partition(), "leader",
                                    p.leaderId(), "state", p.state(), "isr", p.isr(), "replicas", replicas);
                            row.put("reassignment", move == null ? null : Json.object("from", move.from(), "to",
                                    move.to(), "cancelling", move.cancelling()));
                            var queued = waiting.get(t.name() + "-" + p.partition());
                            if (queued != null) {
                                row.put("queued_to", queued.to());
                            }
                            rows.add(row);
                        }
                    }
                    doc.put("partition_status", rows);
                }
                g.out().println(Json.write(doc));
            } else {
                g.out().println("cluster: " + status.clusterId() + "  answered by: " + status.nodeId()
                        + "  leader: " + (status.leaderId().isEmpty() ? "(none)" : status.leaderId())
                        + "  term: " + status.term() + "  commit: " + status.commitIndex());
                g.out().println("topics: " + metadata.topics().size() + "  partitions: " + partitions
                        + "  offline: " + offline);
                var table = Table.of("NODE", "ADDRESS", "STATE", "ROLE", "MATCH", "LAG");
                status.nodes().forEach(n -> table.row(n.nodeId(), n.address(), n.state(), ClusterMembers.role(status, n),
                        known(n.matchIndex()), known(n.lag())));
                table.print(g.out());
                if (showPartitions) {
                    g.out().println();
                    var rows = Table.of("TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR", "LAG", "MOVING")
                            .numeric(1);
                    for (var t : metadata.topics()) {
                        for (var p : t.partitions()) {
                            var l = led.get(t.name() + "-" + p.partition());
                            var move = moving.get(t.name() + "-" + p.partition());
                            var lag = new StringBuilder();
                            for (String id : withTargets(p.replicas(), move)) {
                                var r = l == null ? null : l.replicas().stream().filter(x -> x.nodeId().equals(id))
                                        .findFirst().orElse(null);
                                lag.append(lag.isEmpty() ? "" : " ").append(id).append(':')
                                        .append(r == null ? "-" : known(r.lag()));
                            }
                            rows.row(t.name(), Integer.toString(p.partition()),
                                    p.leaderId().isEmpty() ? "(none)" : p.leaderId(), String.join(",", p.replicas()),
                                    String.join(",", p.isr()), lag.toString(), moveText(move,
                                            waiting.get(t.name() + "-" + p.partition())));
                        }
                    }
                    rows.print(g.out());
                }
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }

    /**
     * Every node's led partitions by {@code topic-partition}: the answering node's, then each other node's own
     * CLUSTER_STATUS (best effort: a node that cannot be reached leaves its partitions' lags unknown).
     */
    private static Map<String, ClusterStatus.LedPartition> ledPartitions(FlyMqClient client, ClusterStatus status,
                                                                        flymq.cli.Globals g) {
        Map<String, ClusterStatus.LedPartition> led = new HashMap<>();
        status.led().forEach(p -> led.put(p.topic() + "-" + p.partition(), p));
        for (ClusterStatus.Node n : status.nodes()) {
            if (n.nodeId().equals(status.nodeId()) || n.address().isEmpty()) {
                continue;
            }
            try (var other = g.tls().applyTo(FlyMqClient.builder().bootstrap(n.address()))
                    .connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(5)).build()) {
                other.clusterStatus().led().forEach(p -> led.put(p.topic() + "-" + p.partition(), p));
            } catch (RuntimeException e) {
                // unreachable: its partitions show '-'
            }
        }
        return led;
    }

    /** MOVING: a move in progress by its target, or one of a rebalance waiting for a slot. */
    private static String moveText(PartitionMove move, PartitionMove queued) {
        if (move != null) {
            return (move.cancelling() ? "back to " : "to ") + String.join(",", move.to());
        }
        return queued == null ? "-" : "queued to " + String.join(",", queued.to());
    }

    /** The replicas, then the nodes a move in progress adds (their lag is the catch-up progress). */
    private static List<String> withTargets(List<String> replicas, PartitionMove move) {
        List<String> all = new ArrayList<>(replicas);
        if (move != null) {
            move.to().stream().filter(id -> !all.contains(id)).forEach(all::add);
        }
        return all;
    }

    private static String known(long value) {
        return value < 0 ? "-" : Long.toString(value);
    }

    /**
     * The answering node's status, with match index and lag taken from the metadata leader's own answer when
     * another node answered (best effort: an unreachable leader leaves them unknown).
     */
    private static ClusterStatus withLeaderProgress(ClusterStatus status, flymq.cli.Globals g) {
        if (status.leaderId().isEmpty() || status.leaderId().equals(status.nodeId())) {
            return status;
        }
        String leaderAddr = status.nodes().stream().filter(n -> n.nodeId().equals(status.leaderId()))
                .map(ClusterStatus.Node::address).findFirst().orElse("");
        if (leaderAddr.isEmpty()) {
            return status;
        }
        ClusterStatus fromLeader;
        try (var leader = g.clientBuilder(leaderAddr)
                .connectTimeout(Duration.ofSeconds(2))
                .requestTimeout(Duration.ofSeconds(5)).build()) {
            fromLeader = leader.clusterStatus();
        } catch (RuntimeException e) {
            return status;
        }
        Map<String, ClusterStatus.Node> progress = new HashMap<>();
        fromLeader.nodes().forEach(n -> progress.put(n.nodeId(), n));
        List<ClusterStatus.Node> merged = new ArrayList<>();
        for (ClusterStatus.Node n : status.nodes()) {
            ClusterStatus.Node p = progress.get(n.nodeId());
            merged.add(p == null ? n : new ClusterStatus.Node(n.nodeId(), n.clientAddress(), n.clusterAddress(),
                    n.state(), n.leader(), p.role(), p.matchIndex(), p.lag()));
        }
        return new ClusterStatus(status.clusterId(), status.nodeId(), status.controllerId(), status.term(),
                status.ready(), merged, status.topicCount(), status.partitionCount(), status.commitIndex(),
                status.led());
    }
}
