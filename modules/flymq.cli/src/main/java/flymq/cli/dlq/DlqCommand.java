package flymq.cli.dlq;

import picocli.CommandLine.Command;

/** `flymq dlq`: a topic's dead-letter queue. */
@Command(name = "dlq",
        mixinStandardHelpOptions = true,
        header = "List, replay and purge dead letters.",
        description = {"", "With dlq.enabled, a record a consumer group fails more than dlq.max_retries times (or "
                + "one that breaks its schema in warn mode) goes to its topic's dead-letter queue, topic "
                + "TOPIC.dlq (dlq.topic_suffix). These commands take the origin TOPIC.", ""},
        subcommands = {DlqList.class, DlqReplay.class, DlqPurge.class})
public final class DlqCommand {
}
