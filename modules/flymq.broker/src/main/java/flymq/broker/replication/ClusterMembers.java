package flymq.broker.replication;

import flymq.broker.BrokerConfig;
import flymq.broker.ConfigException;
import flymq.raft.RaftMember;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The Raft members of the metadata group: first as configured ({@code node_id}, {@code cluster_addr},
 * {@code peers}), then, once the metadata group runs, as its log says (members joined or left at run time, which
 * the Raft store persists, so a restart keeps them whatever {@code peers} still lists).
 *
 * <p>Each peer is {@code id@host:port} (its cluster address); a member's address is part of its Raft identity, so
 * every node must spell a given member the same way. When {@code peers} names this node, it is a founding member
 * (the same list on every founder is the usual configuration). When it does not, this node <em>joins</em> an
 * existing cluster: {@code peers} lists members of that cluster, this node ({@code node_id@cluster_addr}, an empty
 * host read as {@code localhost}) starts outside the group and waits until a member adds it
 * ({@code flymq cluster join}).
 */
public final class ClusterMembers {
    private final RaftMember self;
    private final List<RaftMember> configured;
    private final boolean joining;
    private volatile Supplier<List<RaftMember>> live;

    public ClusterMembers(RaftMember self, List<RaftMember> configured, boolean joining) {
        this.self = self;
        this.configured = List.copyOf(configured);
        this.joining = joining;
    }

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
        boolean joining = self == null;
        if (joining) {
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
        }
        List<RaftMember> all = new ArrayList<>(byId.values());
        all.sort(Comparator.comparing(RaftMember::id));
        return new ClusterMembers(self, all, joining);
    }

    public RaftMember self() {
        return self;
    }

    /** Whether {@code peers} leaves this node out: it joins an existing cluster instead of founding one. */
    public boolean joining() {
        return joining;
    }

    /** The members as configured: the metadata group's founders, or (when joining) the members to join. */
    public List<RaftMember> configuredMembers() {
        return configured;
    }

    /**
     * The current members, sorted by id: the metadata group's list once it runs (including members added at run
     * time and without those removed), the configured list before.
     */
    public List<RaftMember> all() {
        Supplier<List<RaftMember>> l = live;
        List<RaftMember> current = l == null ? configured : l.get();
        if (current.isEmpty()) {
            return configured;
        }
        List<RaftMember> sorted = new ArrayList<>(current);
        sorted.sort(Comparator.comparing(RaftMember::id));
        return List.copyOf(sorted);
    }

    /** The current member with this id. */
    public Optional<RaftMember> member(String id) {
        return all().stream().filter(m -> m.id().equals(id)).findFirst();
    }

    /** From now on {@link #all()} reads the running metadata group's members. */
    void follow(Supplier<List<RaftMember>> members) {
        this.live = members;
    }

    @Override
    public String toString() {
        return "ClusterMembers[self=" + self + ", members=" + all() + (joining ? ", joining" : "") + "]";
    }
}
