package flymq.cli.group;

import flymq.cli.Brokers;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.Position;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq group reset`. */
@Command(name = "reset",
        header = "Move a consumer group's committed offsets on a topic.",
        description = {
            "",
            "Sets the committed offset of GROUP on every partition of --topic (or only --partition) to: earliest "
                    + "(the first retained record), latest (skip everything written so far), an offset, or a time "
                    + "(the first record at or after it; a Unix time in ms from 10^12 on, or ISO-8601). Prints the "
                    + "new committed offsets. Members that are consuming now keep their own position until they "
                    + "re-read the commit, so stop them first.",
            "",
            "Examples:",
            "  flymq group reset billing --topic orders --to earliest",
            "  flymq group reset billing --topic orders --to 2026-11-27T09:00:00Z",
            ""},
        mixinStandardHelpOptions = true)
public final class GroupReset implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "GROUP", description = "The consumer group.")
    String group;

    @Option(names = {"-t", "--topic"}, paramLabel = "TOPIC", required = true, description = "The topic.")
    String topic;

    @Option(names = "--to", paramLabel = "POSITION", required = true, converter = Position.Converter.class,
            completionCandidates = ToCandidates.class,
            description = "earliest, latest, an offset, or a time.")
    Position to;

    @Option(names = {"-p", "--partition"}, paramLabel = "P", description = "Only this partition.")
    Integer partition;

    /** Completion values of --to. */
    static final class ToCandidates implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("earliest", "latest").iterator();
        }
    }

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        if (to.kind() == Position.Kind.COMMIT) {
            throw new CliException(ExitCode.USAGE, "--to commit would change nothing: use earliest, latest, an "
                    + "offset or a time");
        }
        try (var client = Brokers.connect(g)) {
            var all = Groups.partitions(client, topic);
            if (partition != null && !all.contains(partition)) {
                throw CliException.failed("topic '" + topic + "' has no partition " + partition);
            }
            var partitions = partition == null ? all : List.of(partition);
            var rows = new ArrayList<Object>();
            var table = Table.of("TOPIC", "PARTITION", "COMMITTED").numeric(1, 2);
            for (int p : partitions) {
                switch (to.kind()) {
                    case EARLIEST -> client.resetOffsetToEarliest(topic, group, p);
                    case LATEST -> client.resetOffsetToLatest(topic, group, p);
                    case OFFSET -> client.resetOffset(topic, group, p, to.value());
                    case TIMESTAMP -> client.resetOffset(topic, group, p, client.seekToTimestamp(topic, p, to.value()));
                    case COMMIT -> throw new IllegalStateException("checked above");
                }
                long committed = client.getOffset(topic, group, p);
                rows.add(Json.object("topic", topic, "partition", p, "committed", committed));
                table.row(topic, p, committed);
            }
            if (g.json()) {
                g.out().println(Json.write(Json.object("group", group, "to", to.toString(), "partitions", rows)));
            } else {
                table.print(g.out());
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
