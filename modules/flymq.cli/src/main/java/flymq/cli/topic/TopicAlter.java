package flymq.cli.topic;

import flymq.cli.Brokers;
import flymq.cli.CliException;
import flymq.cli.DurationConverter;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.protocol.message.AlterTopicRequest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq topic alter`: adds partitions (CREATE_PARTITIONS) and changes settings (ALTER_TOPIC) of a topic. */
@Command(name = "alter",
        header = "Add partitions to a topic, change its settings: retention, segments, time to live.",
        description = {
            "",
            "--partitions N grows the topic to N partitions in all (never fewer: a smaller N is refused, naming the "
                    + "current count; the current count changes nothing). Records already written stay where they "
                    + "are. Keyed records go to FNV-1a(key) mod partitions, so from now on a key's new records may "
                    + "go to another partition than its earlier ones: per-key order holds only within each "
                    + "partition (as in Kafka). In a cluster the new partitions get replicas on the nodes and elect "
                    + "their leaders within a second.",
            "",
            "Changes the settings given with --config KEY=VALUE and leaves the others as they are. KEY is one of "
                    + "retention_ms, retention_bytes, segment_bytes, segment_ms and ttl_ms. VALUE is a whole number, "
                    + "'default' for the broker's default, a duration for the *_ms keys (30m, 7d) and a size for "
                    + "the *_bytes keys (64MiB, 10GiB). retention_* 0 and ttl_ms 0 mean unlimited / never expire.",
            "",
            "The broker checks every setting before it changes any; in a cluster the change goes through the "
                    + "metadata Raft group to every node. New log settings govern the next segment roll and "
                    + "retention pass; a new TTL applies to records produced from now on.",
            "",
            "Examples:",
            "  flymq topic alter orders --partitions 6",
            "  flymq topic alter orders --config retention_ms=7d",
            "  flymq topic alter orders --config retention_bytes=10GiB --config segment_bytes=256MiB",
            "  flymq topic alter quotes --config ttl_ms=1h",
            "  flymq topic alter orders --config retention_ms=default",
            ""},
        mixinStandardHelpOptions = true)
public final class TopicAlter implements Callable<Integer> {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kib|mib|gib|tib)?");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The topic to change.")
    String name;

    @Option(names = {"-c", "--config"}, paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "A setting to change (repeatable): retention_ms, retention_bytes, segment_bytes, "
                    + "segment_ms or ttl_ms.")
    Map<String, String> config = new LinkedHashMap<>();

    @Option(names = "--partitions", paramLabel = "N",
            description = "Grow the topic to N partitions in all (more than it has; never fewer).")
    Integer partitions;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        if (config.isEmpty() && partitions == null) {
            throw new CliException(ExitCode.USAGE, "nothing to change: give --partitions N or --config KEY=VALUE "
                    + "with one of " + String.join(", ", AlterTopicRequest.SETTINGS));
        }
        if (partitions != null && partitions < 1) {
            throw new CliException(ExitCode.USAGE, "--partitions must be at least 1, got " + partitions);
        }
        Map<String, Long> changes = new LinkedHashMap<>();
        config.forEach((key, value) -> changes.put(key, parse(key, value)));
        try (var client = Brokers.connect(g)) {
            if (!client.listTopics().contains(name)) {
                throw CliException.failed("topic '" + name + "' does not exist; 'flymq topic list' shows the topics");
            }
            int before = client.metadata(name).partitionCount();
            if (partitions != null) {
                client.createPartitions(name, partitions);
            }
            if (!changes.isEmpty()) {
                client.alterTopic(name, changes);
            }
            var t = client.metadata(name); // the effective settings, broker defaults applied
            if (g.json()) {
                // a follower may apply the growth a moment after the leader answered: the count asked for is it
                int count = partitions != null ? Math.max(partitions, t.partitionCount()) : t.partitionCount();
                g.out().println(Json.write(Json.object("topic", name, "partitions", count,
                        "retention_ms", t.retentionMs(), "retention_bytes", t.retentionBytes(), "segment_bytes",
                        t.segmentBytes(), "segment_ms", t.segmentMs(), "ttl_ms", t.ttlMs())));
            } else {
                if (partitions != null) {
                    g.out().println(partitions == before ? "topic " + name + " already has " + before + " partitions"
                            : "grew topic " + name + " from " + before + " to " + partitions + " partitions (keyed "
                            + "records produced from now on may go to other partitions than before)");
                }
                if (!changes.isEmpty()) {
                    var parts = new StringBuilder();
                    changes.forEach((k, v) -> parts.append(parts.isEmpty() ? "" : ", ").append(k).append('=')
                            .append(v == AlterTopicRequest.BROKER_DEFAULT ? "default" : v));
                    g.out().println("changed topic " + name + ": " + parts);
                }
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }

    /** A setting's value as the broker takes it: milliseconds, bytes, or -1 for the broker default. */
    static long parse(String key, String value) {
        if (!AlterTopicRequest.SETTINGS.contains(key)) {
            throw new CliException(ExitCode.USAGE, "unknown setting '" + key + "': use one of "
                    + String.join(", ", AlterTopicRequest.SETTINGS));
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            throw new CliException(ExitCode.USAGE, "--config " + key + " needs a value, e.g. " + key + "="
                    + (key.endsWith("_ms") ? "7d" : "1GiB") + " or " + key + "=default");
        }
        if (v.equals("default") || v.equals("-1")) {
            return AlterTopicRequest.BROKER_DEFAULT;
        }
        if (v.matches("\\d+")) {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new CliException(ExitCode.USAGE, "--config " + key + "=" + value + " is too large");
            }
        }
        if (key.endsWith("_ms")) {
            try {
                return DurationConverter.parse(v).toMillis();
            } catch (RuntimeException e) {
                throw new CliException(ExitCode.USAGE, "--config " + key + "=" + value + ": expected milliseconds, "
                        + "a duration such as 30m or 7d, or 'default'");
            }
        }
        Matcher m = SIZE.matcher(v);
        if (!m.matches()) {
            throw new CliException(ExitCode.USAGE, "--config " + key + "=" + value + ": expected bytes, a size "
                    + "such as 64MiB or 10GiB, or 'default'");
        }
        int shift = switch (m.group(2) == null ? "b" : m.group(2)) {
            case "kib" -> 10;
            case "mib" -> 20;
            case "gib" -> 30;
            case "tib" -> 40;
            default -> 0;
        };
        long n = Long.parseLong(m.group(1));
        if (n > Long.MAX_VALUE >> shift) {
            throw new CliException(ExitCode.USAGE, "--config " + key + "=" + value + " is too large");
        }
        return n << shift;
    }
}
