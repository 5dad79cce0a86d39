package flymq.cli.topic;

import flymq.client.ClusterMetadata;
import flymq.client.FlyMqServerException;
import flymq.cli.Brokers;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq topic describe`. */
@Command(name = "describe",
        header = "Show a topic's partitions: leaders, replicas, offsets and sizes.",
        description = {
            "",
            "The topic's settings, then for each partition: its leader node, replicas and in-sync replicas "
                    + "(CLUSTER_METADATA), the first retained and the next offset, the record count, the size on "
                    + "disk and the number of segments (METADATA).",
            "",
            "Example:",
            "  flymq topic describe orders",
            ""},
        mixinStandardHelpOptions = true)
public final class TopicDescribe implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The topic to describe.")
    String name;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            if (!client.listTopics().contains(name)) {
                throw CliException.failed("topic '" + name + "' does not exist; 'flymq topic list' shows the topics");
            }
            var offsets = client.metadata(name);
            Map<Integer, ClusterMetadata.Partition> placement = new HashMap<>();
            try {
                client.clusterMetadata(name).topic(name)
                        .ifPresent(t -> t.partitions().forEach(p -> placement.put(p.partition(), p)));
            } catch (FlyMqServerException e) {
                g.err().println("note: no leader information (" + e.serverMessage() + ")");
            }
            var rows = new ArrayList<Map<String, Object>>();
            for (var p : offsets.partitions()) {
                var c = placement.get(p.partition());
                rows.add(Json.object(
                        "partition", p.partition(),
                        "leader", c != null ? c.leaderId() : p.leaderId(),
                        "replicas", c == null ? java.util.List.of() : c.replicas(),
                        "isr", c == null ? java.util.List.of() : c.isr(),
                        "state", c == null ? null : c.state(),
                        "start_offset", p.startOffset(),
                        "end_offset", p.endOffset(),
                        "records", p.endOffset() - p.startOffset(),
                        "size_bytes", p.sizeBytes(),
                        "segments", p.segmentCount()));
            }
            if (g.json()) {
                g.out().println(Json.write(Json.object("topic", name, "replication_factor",
                        offsets.replicationFactor(), "retention_ms", offsets.retentionMs(), "retention_bytes",
                        offsets.retentionBytes(), "segment_bytes", offsets.segmentBytes(), "segment_ms",
                        offsets.segmentMs(), "ttl_ms", offsets.ttlMs(), "partitions", rows)));
            } else {
                g.out().println("topic: " + name + "  partitions: " + rows.size() + "  replication: "
                        + offsets.replicationFactor() + "  retention: " + retention(offsets.retentionMs(),
                        offsets.retentionBytes()) + (offsets.ttlMs() < 0 ? "" : "  ttl: "
                        + (offsets.ttlMs() == 0 ? "none" : duration(offsets.ttlMs()))));
                var table = Table.of("PARTITION", "LEADER", "REPLICAS", "ISR", "STATE", "START", "END", "RECORDS",
                        "SIZE").numeric(0, 5, 6, 7, 8);
                for (var r : rows) {
                    table.row(r.get("partition"), r.get("leader"), String.join(",", strings(r.get("replicas"))),
                            String.join(",", strings(r.get("isr"))), r.get("state"), r.get("start_offset"),
                            r.get("end_offset"), r.get("records"), r.get("size_bytes"));
                }
                table.print(g.out());
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }

    @SuppressWarnings("unchecked")
    private static java.util.List<String> strings(Object list) {
        return (java.util.List<String>) list;
    }

    private static String duration(long ms) {
        return java.time.Duration.ofMillis(ms).toString().substring(2).toLowerCase();
    }

    private static String retention(long ms, long bytes) {
        var time = ms <= 0 ? "forever" : duration(ms);
        return bytes <= 0 ? time : time + " or " + bytes + " bytes";
    }
}
