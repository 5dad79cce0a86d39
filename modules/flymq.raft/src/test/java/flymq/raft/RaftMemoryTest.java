package flymq.raft;

import io.microraft.model.message.AppendEntriesRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node-wide Raft memory bounds ({@link RaftMemory}) acting on real groups. */
class RaftMemoryTest {

    private static final int COMMAND_BYTES = 8 * 1024;

    @TempDir
    Path dataRoot;

    private static byte[] command(int i) {
        byte[] bytes = new byte[COMMAND_BYTES];
        Arrays.fill(bytes, (byte) 'x');
        byte[] tag = ("c" + i + ":").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(tag, 0, bytes, 0, tag.length);
        return bytes;
    }

    private static void replicate(RaftGroup<Long> leader, int from, int count) {
        List<CompletableFuture<Committed<Long>>> futures = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            futures.add(leader.replicate(command(i)));
        }
        futures.forEach(CompletableFuture::join);
    }

    @Test
    void logBytesOverTheBoundAreSnapshottedLongBeforeTheCommitCount() throws Exception {
        long logBytes = 64 * 1024;
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot,
                b -> b.memory(new RaftMemory(logBytes, RaftMemory.DEFAULT_INBOUND_BYTES, 1024 * 1024)))) {
            replicate(cluster.awaitAgreedLeader(Duration.ofSeconds(10)), 0, 64); // 512 KiB, 8 times the bound
            for (RaftGroup<Long> g : cluster.groups.values()) {
                InProcessCluster.await(g.localMember() + " applying all and keeping its log under the bound",
                        Duration.ofSeconds(10), () -> g.commitIndex() >= 64
                                && g.config().memory().logHeld() <= logBytes + COMMAND_BYTES);
                long inMemory = g.commandBytesInMemory();
                assertTrue(inMemory <= logBytes + logBytes / 8 + COMMAND_BYTES, g.localMember() + " holds "
                        + inMemory + " command bytes in its log, more than the bound and the window below a snapshot");
                long snapshotIndex = g.status().join().snapshotIndex();
                assertTrue(snapshotIndex > 0 && snapshotIndex < RaftGroupConfig.DEFAULT_COMMIT_COUNT_TO_TAKE_SNAPSHOT,
                        g.localMember() + " snapshot index " + snapshotIndex);
            }
            cluster.logs.values().forEach(log -> assertEquals(64, log.applied().size()));
        }
    }

    @Test
    void appendEntriesCarryAtMostTheByteBoundAndALaggingFollowerStillCatchesUp() throws Exception {
        int appendBytes = 20 * 1024; // two 8 KiB commands, not three
        AtomicLong largest = new AtomicLong();
        AtomicLong requestsWithEntries = new AtomicLong();
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot,
                b -> b.memory(new RaftMemory(RaftMemory.DEFAULT_LOG_BYTES, RaftMemory.DEFAULT_INBOUND_BYTES,
                        appendBytes)))) {
            cluster.network.sent = m -> {
                if (m instanceof AppendEntriesRequest r && !r.getLogEntries().isEmpty()) {
                    requestsWithEntries.incrementAndGet();
                    largest.accumulateAndGet(RaftGroup.commandBytes(r.getLogEntries()), Math::max);
                }
            };
            RaftGroup<Long> leader = cluster.awaitAgreedLeader(Duration.ofSeconds(10));
            String lagging = cluster.groups.keySet().stream().filter(id -> !id.equals(leader.localMember().id()))
                    .findFirst().orElseThrow();
            cluster.network.isolate(lagging);
            replicate(leader, 0, 40); // the other follower makes the majority
            cluster.network.heal();
            cluster.awaitExplained(lagging + " catching up 40 entries",
                    Duration.ofSeconds(20), () -> cluster.logs.get(lagging).applied().size() == 40);
        }
        assertTrue(largest.get() <= appendBytes, "largest AppendEntries carried " + largest.get() + " bytes");
        assertTrue(requestsWithEntries.get() >= 40 / 2, requestsWithEntries.get() + " requests for 40 entries");
    }

    @Test
    void aTinyInboundBoundSerialisesRequestsButLosesNone() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot,
                b -> b.memory(new RaftMemory(RaftMemory.DEFAULT_LOG_BYTES, 1, 1024 * 1024)))) {
            replicate(cluster.awaitAgreedLeader(Duration.ofSeconds(10)), 0, 30);
            for (String id : cluster.groups.keySet()) {
                RaftGroup<Long> g = cluster.groups.get(id);
                cluster.awaitExplained(id + " applying 30 commands", Duration.ofSeconds(10),
                        () -> cluster.logs.get(id).applied().size() == 30);
                InProcessCluster.await(id + " giving back its inbound bytes", Duration.ofSeconds(5),
                        () -> g.config().memory().inbound().used() == 0);
            }
        }
    }
}
