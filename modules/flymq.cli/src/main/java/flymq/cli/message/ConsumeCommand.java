package flymq.cli.message;

import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.Header;
import flymq.client.IsolationLevel;
import flymq.client.Message;
import flymq.client.PartitionFetch;
import flymq.client.SubscribeMode;
import flymq.cli.Brokers;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.Position;
import flymq.cli.output.Json;
import java.nio.charset.StandardCharsets;
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
                    + "--max records, or, with --follow, keeps waiting for new records until interrupted. Records are "
                    + "read with the BATCH_FETCH extension, so the template and --output json show each record's "
                    + "timestamp and headers.",
            "",
            "With --group the consumer joins the group and commits its position after each batch it prints, so "
                    + "the next 'consume --group' (default --from commit) continues where this one stopped.",
            "",
            "--from takes earliest, latest, commit, an offset (e.g. 42, for each partition read), a Unix time in "
                    + "ms (from 10^12 on, e.g. 1764240000000) or an ISO time (2026-11-27T12:00:00Z).",
            "",
            "Records of transactions are returned once their transaction committed (--isolation read_committed, "
                    + "the default): reading stops before the oldest open transaction and skips aborted ones. "
                    + "--isolation read_uncommitted returns every record as written. Transaction markers are never "
                    + "printed.",
            "",
            "Examples:",
            "  flymq consume orders --from earliest --max 10",
            "  flymq consume orders --group billing --follow --format '%%p:%%o %%k=%%s\\n'",
            "  flymq consume orders --max 5 --output json",
            ""},
        mixinStandardHelpOptions = true)
public final class ConsumeCommand implements Callable<Integer> {
    /** Bytes per partition per BATCH_FETCH: big enough for throughput, small enough that --max wastes little. */
    static final int MAX_BYTES_PER_PARTITION = 256 * 1024;
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
                    + "%%s value, %%T timestamp (ms), %%I timestamp (ISO), %%h headers (k=v,k=v), \\n newline, "
                    + "\\t tab.")
    String format;

    @Option(names = "--isolation", paramLabel = "LEVEL", defaultValue = "read_committed",
            completionCandidates = IsolationCandidates.class,
            description = "read_committed (default): only records of committed transactions; read_uncommitted: "
                    + "every record, also of open and aborted transactions.")
    String isolation;

    /** The level an {@code --isolation} value names. */
    public static IsolationLevel isolation(String value) {
        return switch (value) {
            case "read_committed" -> IsolationLevel.READ_COMMITTED;
            case "read_uncommitted" -> IsolationLevel.READ_UNCOMMITTED;
            default -> throw new CliException(ExitCode.USAGE, "--isolation must be read_committed or "
                    + "read_uncommitted, got '" + value + "'");
        };
    }

    /** Completion values of --isolation. */
    public static final class IsolationCandidates implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("read_committed", "read_uncommitted").iterator();
        }
    }

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
        IsolationLevel level = isolation(isolation);
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
            long printed = read(client, positions, template, level, g);
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

    /**
     * Reads with BATCH_FETCH (the extension that carries timestamps and headers): one request covers every
     * partition still being read, each answer is printed in offset order, then the group (if any) commits the
     * partition's next offset, so a crash between print and commit replays at most one batch.
     */
    private long read(FlyMqClient client, Map<Integer, Long> positions, RecordFormat template, IsolationLevel level,
                      flymq.cli.Globals g) throws InterruptedException {
        long printed = 0;
        long limit = max == null ? Long.MAX_VALUE : max;
        while (printed < limit) {
            var wanted = new ArrayList<FetchPosition>(positions.size());
            positions.forEach((p, offset) -> wanted.add(new FetchPosition(p, offset)));
            boolean any = false;
            for (PartitionFetch fetched : client.batchFetch(topic, wanted, MAX_BYTES_PER_PARTITION, level)) {
                int p = fetched.partition();
                Long requested = positions.get(p);
                if (requested == null) {
                    continue;
                }
                if (!fetched.ok()) {
                    throw CliException.failed("fetching " + topic + " partition " + p + " at offset " + requested
                            + " failed: " + fetched.error());
                }
                var records = fetched.records();
                boolean cut = records.size() > limit - printed;
                if (cut) {
                    records = records.subList(0, (int) (limit - printed));
                }
                for (var m : records) {
                    print(m, template, g);
                }
                g.out().flush();
                printed += records.size();
                // a position below the first retained offset (retention deleted it) moves up to that offset; an
                // answer of transaction markers only moves past them
                long next = cut ? records.getLast().offset() + 1
                        : fetched.lastOffset() < 0 ? Math.max(requested, fetched.startOffset())
                        : fetched.nextOffset(requested);
                if (next != requested) {
                    positions.put(p, next);
                    if (group != null) {
                        client.commit(topic, group, p, next);
                    }
                }
                any |= next != requested;
                if (printed >= limit) {
                    break;
                }
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
            var headers = new ArrayList<Map<String, Object>>(m.headers().size());
            for (Header h : m.headers()) {
                headers.add(Json.object("key", h.key(), "value", new String(h.value(), StandardCharsets.UTF_8)));
            }
            g.out().println(Json.write(Json.object("topic", m.topic(), "partition", m.partition(),
                    "offset", m.offset(), "timestamp", m.timestamp() < 0 ? null : m.timestamp(),
                    "key", m.key().length == 0 ? null : m.keyAsString(), "value", m.valueAsString(),
                    "headers", headers)));
        } else {
            g.out().print(template.apply(m));
        }
    }
}
