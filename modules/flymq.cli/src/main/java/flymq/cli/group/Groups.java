package flymq.cli.group;

import flymq.client.FlyMqClient;
import flymq.client.GroupInfo;
import flymq.cli.CliException;
import java.util.Comparator;
import java.util.List;

/** Lookups shared by the group commands. */
final class Groups {
    private Groups() {
    }

    /** The (topic, group) entries of one group, optionally on one topic; fails (exit 1) when there are none. */
    static List<GroupInfo> of(FlyMqClient client, String group, String topic) {
        var found = client.listGroups().stream()
                .filter(gi -> gi.groupId().equals(group))
                .filter(gi -> topic == null || gi.topic().equals(topic))
                .sorted(Comparator.comparing(GroupInfo::topic))
                .toList();
        if (found.isEmpty()) {
            throw CliException.failed("consumer group '" + group + "' "
                    + (topic == null ? "does not exist" : "has no state on topic '" + topic + "'")
                    + "; 'flymq group list' shows the groups");
        }
        return found;
    }

    /** The partition numbers of a topic, sorted. */
    static List<Integer> partitions(FlyMqClient client, String topic) {
        if (!client.listTopics().contains(topic)) {
            throw CliException.failed("topic '" + topic + "' does not exist; 'flymq topic list' shows the topics");
        }
        return client.metadata(topic).partitions().stream().map(p -> p.partition()).sorted().toList();
    }
}
