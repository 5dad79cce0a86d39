package flymq.cli.group;

import flymq.client.GroupInfo;
import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `flymq group list`. */
@Command(name = "list",
        header = "List the consumer groups.",
        description = {"", "One line per group and topic: members connected now and how many partitions have a "
                + "committed offset.", "", "Example:", "  flymq group list", ""},
        mixinStandardHelpOptions = true)
public final class GroupList implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var groups = new ArrayList<>(client.listGroups());
            groups.sort(Comparator.comparing(GroupInfo::groupId).thenComparing(GroupInfo::topic));
            if (g.json()) {
                var list = new ArrayList<Object>();
                for (var gi : groups) {
                    var committed = new TreeMap<String, Long>(Comparator.comparingInt(Integer::parseInt));
                    gi.committedOffsets().forEach((p, o) -> committed.put(Integer.toString(p), o));
                    list.add(Json.object("group", gi.groupId(), "topic", gi.topic(), "members", gi.memberCount(),
                            "committed", committed));
                }
                g.out().println(Json.write(Json.object("groups", list)));
            } else {
                var table = Table.of("GROUP", "TOPIC", "MEMBERS", "PARTITIONS").numeric(2, 3);
                groups.forEach(gi -> table.row(gi.groupId(), gi.topic(), gi.memberCount(),
                        gi.committedOffsets().size()));
                table.print(g.out());
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
