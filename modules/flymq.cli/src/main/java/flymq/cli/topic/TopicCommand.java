package flymq.cli.topic;

import picocli.CommandLine.Command;

/** `flymq topic`: create, list, describe, alter and delete topics. */
@Command(name = "topic",
        mixinStandardHelpOptions = true,
        header = "Create, list, describe, alter and delete topics.",
        description = {"", "A topic is a named stream of records split into partitions; records with the same key "
                + "always go to the same partition.", ""},
        subcommands = {TopicCreate.class, TopicList.class, TopicDescribe.class, TopicAlter.class, TopicDelete.class})
public final class TopicCommand {
}
