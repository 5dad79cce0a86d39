package flymq.raft;

import flymq.raft.codec.NodeHeartbeat;
import flymq.raft.transport.ClusterTransport;
import io.microraft.model.message.RaftMessage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node-level detector, driven by hand: an injected clock, ticks called directly, a recording transport. */
class NodeLivenessTest {

    private static final RaftMember SELF = new RaftMember("n1", "127.0.0.1:19001");
    private static final RaftMember N2 = new RaftMember("n2", "127.0.0.1:19002");
    private static final RaftMember N3 = new RaftMember("n3", "127.0.0.1:19003");
    private static final long MS = 1_000_000;

    private final AtomicLong clock = new AtomicLong(1_000 * MS);
    private final List<String> sentTo = new ArrayList<>();
    private final NodeLiveness liveness = new NodeLiveness(new ClusterTransport() {
        @Override
        public void register(String groupId, Consumer<RaftMessage> inbound) {
        }

        @Override
        public void unregister(String groupId) {
        }

        @Override
        public void send(RaftMember target, RaftMessage message) {
            if (message instanceof NodeHeartbeat) {
                sentTo.add(target.id());
            }
        }

        @Override
        public boolean isReachable(RaftMember target) {
            return true;
        }

        @Override
        public void close() {
        }
    }, SELF, RaftThreads.shared(), clock::get, Duration.ofMillis(400));

    private final List<String> lost = new ArrayList<>();
    private final NodeLiveness.Watcher watcher = lost::add;

    @Test
    void oneHeartbeatPerPeerPerTickWhateverTheNumberOfGroups() {
        liveness.addPeer(N2);
        liveness.addPeer(N3);
        liveness.addPeer(SELF);
        liveness.addPeer(N2);
        liveness.tick();
        assertEquals(List.of("n2", "n3"), sentTo.stream().sorted().toList());
    }

    @Test
    void aPeerIsAliveUntilSilentForTheTimeout() {
        assertFalse(liveness.alive("n2"), "never heard");
        liveness.onMessage(new NodeHeartbeat(N2, 7));
        assertTrue(liveness.alive("n2"));
        clock.addAndGet(399 * MS);
        assertTrue(liveness.alive("n2"));
        clock.addAndGet(MS);
        assertFalse(liveness.alive("n2"));
    }

    @Test
    void aWatcherIsWokenOnceWhenItsPeerGoesSilent() {
        liveness.addPeer(N2);
        liveness.onMessage(new NodeHeartbeat(N2, 7));
        liveness.watch("n2", watcher);
        liveness.tick();
        assertEquals(List.of(), lost);
        for (int i = 0; i < 3; i++) {
            clock.addAndGet(100 * MS); // ticks every heartbeat period, as the timer runs them
            liveness.tick();
        }
        assertEquals(List.of(), lost);
        clock.addAndGet(100 * MS);
        liveness.tick();
        assertEquals(List.of("n2"), lost);
        liveness.tick();
        assertEquals(List.of("n2"), lost, "woken once: it is no longer watching");
        assertEquals(0, liveness.watching());
    }

    @Test
    void aSilenceThisNodeCausedByPausingIsNotHeldAgainstItsPeers() {
        liveness.addPeer(N2);
        liveness.addPeer(N3);
        liveness.onMessage(new NodeHeartbeat(N2, 7));
        liveness.onMessage(new NodeHeartbeat(N3, 7));
        liveness.watch("n2", watcher);
        liveness.watch("n3", watcher);
        liveness.tick();
        clock.addAndGet(1_000 * MS); // this node stalled: its next tick comes a second late
        liveness.tick();
        assertEquals(List.of(), lost, "peers silent only while this node did not run");
        for (int i = 0; i < 3; i++) {
            liveness.onMessage(new NodeHeartbeat(N2, 7)); // n2's heartbeats are read again; n3 stays silent
            clock.addAndGet(100 * MS);
            liveness.tick();
        }
        assertEquals(List.of(), lost, "within a leader timeout after the pause");
        liveness.onMessage(new NodeHeartbeat(N2, 7));
        clock.addAndGet(100 * MS);
        liveness.tick();
        assertEquals(List.of("n3"), lost, "n3 was not heard within a timeout after the pause: it is lost");
    }

    @Test
    void aRestartedPeerWakesItsWatchersAtOnce() {
        liveness.onMessage(new NodeHeartbeat(N2, 7));
        liveness.watch("n2", watcher);
        liveness.onMessage(new NodeHeartbeat(N2, 7));
        assertEquals(List.of(), lost);
        liveness.onMessage(new NodeHeartbeat(N2, 8));
        assertEquals(List.of("n2"), lost, "a new incarnation voids what the old one agreed");
    }

    @Test
    void anUnwatchedGroupIsNotWoken() {
        liveness.onMessage(new NodeHeartbeat(N3, 1));
        liveness.watch("n3", watcher);
        liveness.unwatch("n3", watcher);
        clock.addAndGet(1_000 * MS);
        liveness.tick();
        assertEquals(List.of(), lost);
    }

    @Test
    void aRenewedIncarnationTravelsInTheNextHeartbeat() {
        List<Long> incarnations = new ArrayList<>();
        NodeLiveness peer = new NodeLiveness(new RecordingTransport(m -> incarnations.add(((NodeHeartbeat) m)
                .incarnation())), N2, RaftThreads.shared(), clock::get, Duration.ofMillis(400));
        peer.addPeer(SELF);
        peer.tick();
        peer.tick();
        peer.renewIncarnation();
        peer.tick();
        assertEquals(incarnations.get(0), incarnations.get(1));
        assertTrue(!incarnations.get(1).equals(incarnations.get(2)), "a group it led stopped: peers must wake");
    }

    private record RecordingTransport(Consumer<RaftMessage> sent) implements ClusterTransport {
        @Override
        public void register(String groupId, Consumer<RaftMessage> inbound) {
        }

        @Override
        public void unregister(String groupId) {
        }

        @Override
        public void send(RaftMember target, RaftMessage message) {
            sent.accept(message);
        }

        @Override
        public boolean isReachable(RaftMember target) {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
