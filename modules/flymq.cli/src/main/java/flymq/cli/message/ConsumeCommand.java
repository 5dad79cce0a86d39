package flymq.cli.message;

import flymq.broker.client.FlyMqClient;
import flymq.broker.client.Message;
import flymq.broker.client.SubscribeMode;
import flymq.cli.Brokers;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.Position;
import flymq.cli.output.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq consume`: read records from a topic. */
@Command(name = "consume",
        header = "Read records from a topic.",
        description = {
            "",
            "Reads every partition of TOPIC (or only --partition) from the --from position and prints one record "
                    + "per line: its value, or the --format template. Stops at the end of the partitions, after "
                    + "--max records, or, with --follow, keeps waiting for new records until interrupted.",
            "",
            "With --group the consumer joins the group and commits its position after each batch it prints, so "
                    + "the next 'consume --group' (default --from commit) continues where this one stopped.",
            "",
            "--from takes earliest, latest, commit, an offset (e.g. 42, for each partition read), a Unix time in "
                    + "ms (from 10^12 on, e.g. 1764240000000) or an ISO time (2026-11-27T12:00:00Z).",
            "",
            "Examples:",
            "  flymq consume orders --from earliest --max 10",
            "  flymq consume orders --group billing --follow --format '%%p:%%o %%k=%%s\\n'",
            ""},
        mixinStandardHelpOptions = true)
public final class ConsumeCommand implements Callable<Integer> {
    static final int BATCH = 500;
    static final long IDLE_WAIT_MS = 200;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic to read.")
    String topic;

    @Option(names = {"-g", "--group"}, paramLabel = "GROUP",
            description = "Consume as a member of GROUP and commit the position.")
    String group;

    @Option(names = "--from", paramLabel = "POSITION", converter = Position.Converter.class,
            completionCandidates = FromCandidates.class,
            description = "Where to start: earliest, latest, commit, an offset or a time (default: commit with "
                    + "--group, else earliest).")
    Position from;

    @Option(names = {"-p", "--partition"}, paramLabel = "P", description = "Read only this partition.")
    Integer partition;

    @Option(names = {"-n", "--max"}, paramLabel = "N", description = "Stop after N records.")
    Long max;

    @Option(names = {"-f", "--follow"}, description = "At the end, wait for new records instead of stopping.")
    boolean follow;

    @Option(names = "--show-key", description = "Print the key and a tab before each value.")
    boolean showKey;

    @Option(names = "--format", paramLabel = "TEMPLATE",
            description = "Print each record with this template: %%t topic, %%p partition, %%o offset, %%k key, "
                    + "%%s value, %%T timestamp (ms), %%I timestamp (ISO), \\n newline, \\t tab.")
    String format;

    /** Completion values of --from. */
    static final class FromCandidates implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("earliest", "latest", "commit").iterator();
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        var g = FlyMq.globals(spec);
        if (max != null && max < 0) {
            throw new CliException(ExitCode.USAGE, "--max must be 0 or more, got " + max);
        }
        Position start = from != null ? from
                : group != null ? new Position(Position.Kind.COMMIT, 0) : new Position(Position.Kind.EARLIEST, 0);
        if (start.kind() == Position.Kind.COMMIT && group == null) {
            throw new CliException(ExitCode.USAGE, "--from commit needs --group: only a group has a committed "
                    + "position");
        }
        RecordFormat template;
        try {
            template = new RecordFormat(format != null ? format : showKey ? "%k\t%s\n" : "%s\n");
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, e.getMessage());
        }
        try (var client = Brokers.connect(g)) {
            if (!client.listTopics().contains(topic)) {
                throw CliException.failed("topic '" + topic + "' does not exist; 'flymq topic list' shows the topics");
            }
            var all = client.metadata(topic).partitions().stream().map(p -> p.partition()).sorted().toList();
            if (partition != null && !all.contains(partition)) {
                throw CliException.failed("topic '" + topic + "' has no partition " + partition + " (it has "
                        + all.size() + ": 0 to " + (all.size() - 1) + ")");
            }
            var partitions = partition != null ? List.of(partition) : all;
            var positions = new LinkedHashMap<Integer, Long>();
            for (int p : partitions) {
                positions.put(p, startOffset(client, p, start));
            }
            long printed = read(client, positions, template, g);
            if (g.verbose()) {
                g.err().println("consumed " + printed + " record(s) from " + topic);
            }
            return ExitCode.OK;
        }
    }

    private long startOffset(FlyMqClient client, int p, Position start) {
        var groupName = group == null ? "" : group;
        return switch (start.kind()) {
            case EARLIEST -> client.subscribe(topic, groupName, p, SubscribeMode.EARLIEST);
            case LATEST -> client.subscribe(topic, groupName, p, SubscribeMode.LATEST);
            case COMMIT -> client.subscribe(topic, groupName, p, SubscribeMode.COMMIT);
            case OFFSET -> {
                if (group != null) {
                    client.subscribe(topic, groupName, p, SubscribeMode.COMMIT);
                }
                yield start.value();
            }
            case TIMESTAMP -> {
                if (group != null) {
                    client.subscribe(topic, groupName, p, SubscribeMode.COMMIT);
                }
                yield client.seekToTimestamp(topic, p, start.value());
            }
        };
    }

    private long read(FlyMqClient client, Map<Integer, Long> positions, RecordFormat template,
                      flymq.cli.Globals g) throws InterruptedException {
        long printed = 0;
        long limit = max == null ? Long.MAX_VALUE : max;
        while (printed < limit) {
            boolean any = false;
            for (var e : positions.entrySet()) {
                if (printed >= limit) {
                    break;
                }
                int want = (int) Math.min(BATCH, limit - printed);
                var result = client.fetch(topic, e.getKey(), e.getValue(), want);
                var records = new ArrayList<Message>(result.records());
                if (records.size() > want) {
                    records.subList(want, records.size()).clear();
                }
                for (var m : records) {
                    print(m, template, g);
                }
                g.out().flush();
                printed += records.size();
                long next = records.isEmpty() ? Math.max(e.getValue(), result.nextOffset())
                        : records.getLast().offset() + 1;
                if (next != e.getValue()) {
                    e.setValue(next);
                    if (group != null) {
                        client.commit(topic, group, e.getKey(), next);
                    }
                }
                any |= !records.isEmpty();
            }
            if (!any) {
                if (!follow) {
                    break;
                }
                Thread.sleep(IDLE_WAIT_MS);
            }
        }
        return printed;
    }

    private void print(Message m, RecordFormat template, flymq.cli.Globals g) {
        if (g.json()) {
            g.out().println(Json.write(Json.object("topic", m.topic(), "partition", m.partition(),
                    "offset", m.offset(), "timestamp", m.timestamp() < 0 ? null : m.timestamp(),
                    "key", m.key().length == 0 ? null : m.keyAsString(), "value", m.valueAsString())));
        } else {
            g.out().print(template.apply(m));
        }
    }
}
