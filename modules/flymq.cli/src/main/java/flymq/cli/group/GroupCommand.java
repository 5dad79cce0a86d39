package flymq.cli.group;

import picocli.CommandLine.Command;

/** `flymq group`: consumer groups and their committed offsets. */
@Command(name = "group",
        mixinStandardHelpOptions = true,
        header = "List, describe, measure lag of, reset and delete consumer groups.",
        description = {"", "A consumer group shares a topic's partitions among its members and remembers, per "
                + "partition, the committed offset: the next record the group will read. A group that consumes "
                + "several topics is tracked per topic.", ""},
        subcommands = {GroupList.class, GroupDescribe.class, GroupLag.class, GroupReset.class, GroupDelete.class})
public final class GroupCommand {
}
