package flymq.broker.replication;

import flymq.broker.BrokerConfig;
import flymq.broker.ConfigException;
import flymq.raft.RaftMember;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Raft members of the metadata group, derived from {@code node_id}, {@code cluster_addr} and {@code peers}.
 * Each peer is {@code id@host:port} (its cluster address). The list may name this node too (the same list on every
 * node is the simplest configuration); when it does not, this node is {@code node_id@cluster_addr} with an empty
 * host read as {@code localhost}. A member's address is part of its Raft identity, so every node must spell a
 * given member the same way.
 */
public record ClusterMembers(RaftMember self, List<RaftMember> all) {

    /** True when the configuration asks for a cluster (some peers), false for the single-node broker. */
    public static boolean configured(BrokerConfig config) {
        return !config.peers().isEmpty();
    }

    /** @throws ConfigException naming the bad peer entry */
    public static ClusterMembers from(BrokerConfig config) {
        Map<String, RaftMember> byId = new LinkedHashMap<>();
        for (String spec : config.peers()) {
            RaftMember m;
            try {
                m = RaftMember.parse(spec);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("invalid value for 'peers': entry '" + spec
                        + "' is not of the form node_id@host:port (" + e.getMessage() + ")");
            }
            RaftMember previous = byId.putIfAbsent(m.id(), m);
            if (previous != null && !previous.equals(m)) {
                throw new ConfigException("invalid value for 'peers': node id '" + m.id() + "' appears twice, as "
                        + previous + " and " + m);
            }
        }
        RaftMember self = byId.get(config.nodeId());
        if (self == null) {
            String addr = config.clusterAddr();
            if (addr.startsWith(":")) {
                addr = "localhost" + addr;
            }
            self = new RaftMember(config.nodeId(), addr);
            for (RaftMember m : byId.values()) {
                if (m.address().equals(self.address())) {
                    throw new ConfigException("invalid value for 'peers': " + m + " has this node's cluster_addr "
                            + self.address() + " but node_id '" + m.id() + "' is not this node's '"
                            + config.nodeId() + "'");
                }
            }
            byId.put(self.id(), self);
        }
        List<RaftMember> all = new ArrayList<>(byId.values());
        all.sort(Comparator.comparing(RaftMember::id));
        return new ClusterMembers(self, List.copyOf(all));
    }
}
