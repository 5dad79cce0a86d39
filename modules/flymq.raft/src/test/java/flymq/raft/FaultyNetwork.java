package flymq.raft;

import flymq.raft.codec.RaftModelCodec;
import flymq.raft.transport.ClusterTransport;
import io.microraft.model.message.RaftMessage;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * An in-process network for Raft tests that misbehaves on request: drops, delays (and so reorders), duplicates
 * and partitions. Every message goes through {@link RaftModelCodec} both ways, as it would over TCP.
 */
final class FaultyNetwork implements AutoCloseable {

    private final RaftModelCodec codec = new RaftModelCodec();
    private final ScheduledThreadPoolExecutor wire = new ScheduledThreadPoolExecutor(1,
            r -> Thread.ofPlatform().daemon().name("faulty-network").unstarted(r));
    private final Map<String, Consumer<RaftMessage>> handlers = new ConcurrentHashMap<>();
    private final Set<String> isolated = ConcurrentHashMap.newKeySet();
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong duplicated = new AtomicLong();
    private volatile double dropRate;
    private volatile double duplicateRate;
    private volatile long maxDelayMicros;
    /** Sees every message a member sends, before faults apply (tests that check what leaders send). */
    volatile Consumer<RaftMessage> sent = m -> { };
    /** Loses the messages it accepts, whatever the faults (tests that lose one kind of message on purpose). */
    volatile java.util.function.Predicate<RaftMessage> lose = m -> false;

    void faults(double dropRate, double duplicateRate, long maxDelayMillis) {
        this.dropRate = dropRate;
        this.duplicateRate = duplicateRate;
        this.maxDelayMicros = maxDelayMillis * 1000;
    }

    void noFaults() {
        faults(0, 0, 0);
    }

    /** Cuts {@code memberId} off from every other member, both directions. */
    void isolate(String memberId) {
        isolated.add(memberId);
    }

    void heal() {
        isolated.clear();
    }

    ClusterTransport transportFor(RaftMember member) {
        return new ClusterTransport() {
            @Override
            public void register(String groupId, Consumer<RaftMessage> inbound) {
                handlers.put(member.id() + "/" + groupId, inbound);
            }

            @Override
            public void unregister(String groupId) {
                handlers.remove(member.id() + "/" + groupId);
            }

            @Override
            public void send(RaftMember target, RaftMessage message) {
                transmit(member, target, message);
            }

            @Override
            public boolean isReachable(RaftMember target) {
                return !isolated.contains(target.id()) && !isolated.contains(member.id());
            }

            @Override
            public void close() {
            }
        };
    }

    private void transmit(RaftMember from, RaftMember to, RaftMessage message) {
        sent.accept(message);
        if (isolated.contains(from.id()) || isolated.contains(to.id()) || lose.test(message)) {
            dropped.incrementAndGet();
            return;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (random.nextDouble() < dropRate) {
            dropped.incrementAndGet();
            return;
        }
        RaftModelCodec.Out out = new RaftModelCodec.Out(256);
        codec.writeMessage(out, message);
        byte[] bytes = out.toByteArray();
        int copies = random.nextDouble() < duplicateRate ? 2 : 1;
        if (copies == 2) {
            duplicated.incrementAndGet();
        }
        String key = to.id() + "/" + message.getGroupId();
        for (int i = 0; i < copies; i++) {
            long delay = maxDelayMicros == 0 ? 0 : random.nextLong(maxDelayMicros);
            try {
                wire.schedule(() -> deliver(key, to, bytes), delay, TimeUnit.MICROSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return; // network closed
            }
        }
    }

    private void deliver(String key, RaftMember to, byte[] bytes) {
        if (isolated.contains(to.id())) {
            dropped.incrementAndGet();
            return;
        }
        Consumer<RaftMessage> handler = handlers.get(key);
        if (handler != null) {
            handler.accept(codec.readMessage(ByteBuffer.wrap(bytes)));
            delivered.incrementAndGet();
        }
    }

    /** Faults in force, isolated members, counters and messages still waiting for their delay to pass. */
    String describe() {
        int waiting = wire.getQueue().size();
        return "drop rate " + dropRate + ", duplicate rate " + duplicateRate + ", max delay " + maxDelayMicros
                + " us, isolated " + isolated + ", " + delivered.get() + " delivered, " + dropped.get() + " dropped, "
                + duplicated.get() + " duplicated, " + waiting + " in flight";
    }

    @Override
    public void close() {
        wire.shutdownNow();
    }
}
