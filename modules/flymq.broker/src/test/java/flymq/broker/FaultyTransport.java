package flymq.broker;

import flymq.raft.RaftMember;
import flymq.raft.transport.ClusterTransport;
import io.microraft.model.message.RaftMessage;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A fault-injecting layer over a node's real cluster transport, for in-process broker clusters: it drops, delays
 * (and so reorders), duplicates and partitions Raft messages. Faults are applied where a message arrives, to the
 * message decoded from the TCP stream (MicroRaft may reuse the objects it sends, so an outbound message cannot be
 * held back safely); a partition also stops messages on the way out. The decisions come from one seeded
 * {@link Random} per network, so a run's fault pattern is reproducible up to thread timing.
 */
final class FaultyTransport implements ClusterTransport {

    /** The faults shared by the transports of one test cluster. */
    static final class Network implements AutoCloseable {
        private final Random random;
        private final ScheduledExecutorService wire = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("faulty-cluster-wire").unstarted(r));
        private final Set<String> isolated = ConcurrentHashMap.newKeySet();
        private volatile Predicate<String> groups = g -> true;
        private volatile double dropRate;
        private volatile double duplicateRate;
        private volatile int maxDelayMillis;
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong duplicated = new AtomicLong();
        final AtomicLong delayed = new AtomicLong();

        Network(long seed) {
            this.random = new Random(seed);
        }

        /** Random faults on every message of the groups that {@link #only} selects. */
        void faults(double dropRate, double duplicateRate, int maxDelayMillis) {
            this.dropRate = dropRate;
            this.duplicateRate = duplicateRate;
            this.maxDelayMillis = maxDelayMillis;
        }

        void noFaults() {
            faults(0, 0, 0);
            isolated.clear();
        }

        /** Restricts faults and partitions to the Raft groups whose id matches (default: every group). */
        void only(Predicate<String> groupIds) {
            this.groups = groupIds;
        }

        /** Cuts {@code nodeId} off from every other node (both directions) in the selected groups. */
        void isolate(String nodeId) {
            isolated.add(nodeId);
        }

        void heal() {
            isolated.clear();
        }

        ClusterTransport wrap(String selfId, ClusterTransport real) {
            return new FaultyTransport(this, selfId, real);
        }

        private synchronized double next() {
            return random.nextDouble();
        }

        private synchronized int nextDelay() {
            return maxDelayMillis == 0 ? 0 : random.nextInt(maxDelayMillis);
        }

        private boolean cut(String a, String b) {
            return !isolated.isEmpty() && (isolated.contains(a) || isolated.contains(b));
        }

        @Override
        public void close() {
            wire.shutdownNow();
        }
    }

    private final Network net;
    private final String selfId;
    private final ClusterTransport real;

    private FaultyTransport(Network net, String selfId, ClusterTransport real) {
        this.net = net;
        this.selfId = selfId;
        this.real = real;
    }

    @Override
    public void register(String groupId, Consumer<RaftMessage> inbound) {
        real.register(groupId, message -> arrive(groupId, message, inbound));
    }

    private void arrive(String groupId, RaftMessage message, Consumer<RaftMessage> inbound) {
        if (!net.groups.test(groupId)) {
            inbound.accept(message);
            return;
        }
        String from = ((RaftMember) message.getSender()).id();
        if (net.cut(from, selfId) || net.next() < net.dropRate) {
            net.dropped.incrementAndGet();
            return;
        }
        int copies = net.next() < net.duplicateRate ? 2 : 1;
        if (copies == 2) {
            net.duplicated.incrementAndGet();
        }
        for (int i = 0; i < copies; i++) {
            int delay = net.nextDelay();
            if (delay == 0) {
                inbound.accept(message);
                continue;
            }
            net.delayed.incrementAndGet();
            try {
                net.wire.schedule(() -> {
                    if (!net.cut(from, selfId)) {
                        inbound.accept(message);
                    }
                }, delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                return; // network closed with the test
            }
        }
    }

    @Override
    public void unregister(String groupId) {
        real.unregister(groupId);
    }

    @Override
    public void send(RaftMember target, RaftMessage message) {
        if (net.groups.test(String.valueOf(message.getGroupId())) && net.cut(selfId, target.id())) {
            net.dropped.incrementAndGet();
            return;
        }
        real.send(target, message);
    }

    @Override
    public boolean isReachable(RaftMember target) {
        return real.isReachable(target);
    }

    @Override
    public void close() {
        real.close();
    }
}
