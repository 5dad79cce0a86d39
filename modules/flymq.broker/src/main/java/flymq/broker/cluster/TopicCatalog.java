package flymq.broker.cluster;

import flymq.protocol.RequestException;
import java.util.SortedMap;

/**
 * What CLUSTER_METADATA and CLUSTER_STATUS need of the topic registry: each topic's name and partition count. The
 * topic package implements it, so leadership (which the topic requests read) stays below the topics.
 */
public interface TopicCatalog {

    /** Partition count by topic name, names ascending, internal ({@code __}-prefixed) topics included. */
    SortedMap<String, Integer> partitionCounts();

    /** @throws RequestException {@code topic not found: <name>} */
    int partitionCount(String topic);
}
