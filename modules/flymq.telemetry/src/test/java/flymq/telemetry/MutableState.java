package flymq.telemetry;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A StateSource the test changes between scrapes, standing in for the broker's view. */
final class MutableState implements StateSource {
    volatile int connections;
    final List<TopicState> topics = new CopyOnWriteArrayList<>();
    final List<GroupState> groups = new CopyOnWriteArrayList<>();
    volatile ClusterState cluster = ClusterState.singleNode("node-1");
    volatile boolean ready = true;
    volatile Path dataDir;

    MutableState(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** Topic "orders" with two partitions and group "billing" reading both, with lag. */
    static MutableState withOrdersAndBilling(Path dataDir) {
        MutableState s = new MutableState(dataDir);
        s.connections = 3;
        s.topics.add(new TopicState("orders", List.of(
                new PartitionState(0, 0, 99, 100, 4096, 1),
                new PartitionState(1, 10, 59, 50, 2048, 2))));
        s.groups.add(new GroupState("billing", 2, List.of(
                new GroupPartitionState("orders", 0, 89, 10),
                new GroupPartitionState("orders", 1, 59, 0))));
        return s;
    }

    @Override
    public int activeConnections() {
        return connections;
    }

    @Override
    public List<TopicState> topics() {
        return List.copyOf(topics);
    }

    @Override
    public List<GroupState> groups() {
        return List.copyOf(groups);
    }

    @Override
    public ClusterState cluster() {
        return cluster;
    }

    @Override
    public boolean ready() {
        return ready;
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }
}
