package flymq.broker.node;

import flymq.broker.BrokerConfig;
import flymq.broker.BrokerView;
import flymq.broker.delay.DelayedCounts;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.server.ProtocolServer;
import flymq.broker.topic.RecordExpiry;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.storage.PartitionLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** {@link BrokerView} over the live managers; every call reads current state. */
final class BrokerStateView implements BrokerView {
    private final BrokerConfig config;
    private final TopicManager topics;
    private final GroupCoordinator groups;
    private final ProtocolServer server;
    private final BooleanSupplier ready;
    private final RecordExpiry expiry;

    private final DelayedCounts delayed;
    private final java.util.function.Supplier<java.util.Map<String, Long>> dlqDepths;

    /**
     * @param expiry  the broker's clock, by which group lag leaves out expired records
     * @param delayed the node's schedule (single node) or its share of the cluster's; null when neither runs
     */
    BrokerStateView(BrokerConfig config, TopicManager topics, GroupCoordinator groups, ProtocolServer server,
                    BooleanSupplier ready, RecordExpiry expiry, DelayedCounts delayed,
                    java.util.function.Supplier<java.util.Map<String, Long>> dlqDepths) {
        this.dlqDepths = dlqDepths;
        this.config = config;
        this.delayed = delayed;
        this.expiry = expiry;
        this.topics = topics;
        this.groups = groups;
        this.server = server;
        this.ready = ready;
    }

    @Override
    public String nodeId() {
        return config.nodeId();
    }

    @Override
    public Path dataDir() {
        return config.dataDir();
    }

    @Override
    public boolean ready() {
        return ready.getAsBoolean();
    }

    @Override
    public int activeConnections() {
        return server.activeConnections();
    }

    @Override
    public long totalConnections() {
        return server.totalConnections();
    }

    @Override
    public List<TopicInfo> topics() {
        List<TopicInfo> out = new ArrayList<>();
        for (Topic t : topics.all()) {
            List<PartitionInfo> parts = new ArrayList<>();
            for (int p = 0; p < t.partitionCount(); p++) {
                PartitionLog log = t.log(p);
                parts.add(new PartitionInfo(p, log.startOffset(), log.endOffset(), log.sizeInBytes(),
                        log.segmentCount()));
            }
            out.add(new TopicInfo(t.name(), t.settings().replicationFactor(), List.copyOf(parts)));
        }
        out.sort(Comparator.comparing(TopicInfo::name));
        return List.copyOf(out);
    }

    @Override
    public java.util.Map<String, Long> dlqDepths() {
        return dlqDepths.get();
    }

    @Override
    public TimedRecords timedRecords() {
        if (delayed == null) {
            return new TimedRecords(0, 0, 0, 0, expiry.skipped());
        }
        return new TimedRecords(delayed.pending(), delayed.delivered(), delayed.cancelled(), delayed.dropped(),
                expiry.skipped());
    }

    @Override
    public List<GroupInfo> groups() {
        List<GroupInfo> out = new ArrayList<>();
        for (GroupCoordinator.GroupSnapshot g : groups.snapshot()) {
            Optional<Topic> topic = topics.find(g.topic());
            List<GroupPartitionInfo> parts = new ArrayList<>();
            for (Map.Entry<Integer, Long> e : g.offsets().entrySet()) {
                int p = e.getKey();
                Optional<PartitionLog> log = topic.filter(t -> p < t.partitionCount()).map(t -> t.log(p));
                long end = log.map(PartitionLog::endOffset).orElse(0L);
                long lag = log.isPresent() ? groups.lag(g.topic(), p, log.get(), e.getValue(), end)
                        : GroupCoordinator.Lag.of(e.getValue(), end);
                parts.add(new GroupPartitionInfo(p, e.getValue(), end, lag));
            }
            out.add(new GroupInfo(g.group(), g.topic(), g.members(), g.rebalances(), List.copyOf(parts)));
        }
        return List.copyOf(out);
    }
}
