package flymq.raft;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RaftGroup#awaitApplied}: completes when the member has applied the entry, not when the group committed it. */
class AwaitAppliedTest {
    @TempDir
    Path dataRoot;

    @Test
    void completesWhenThisMemberAppliesTheEntryAndItsStateHoldsIt() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot, b -> b)) {
            Committed<Long> first = cluster.replicate("first", Duration.ofSeconds(10));
            RaftGroup<Long> leader = cluster.awaitLeader(Duration.ofSeconds(10));
            RaftGroup<Long> follower = cluster.groups.values().stream().filter(g -> g != leader).findFirst()
                    .orElseThrow();
            String id = follower.localMember().id();
            follower.awaitApplied(first.commitIndex()).get(10, TimeUnit.SECONDS);
            assertTrue(appliedOn(cluster, id, "first"));

            cluster.network.isolate(id);
            Committed<Long> second = cluster.replicate("second", Duration.ofSeconds(10));
            CompletableFuture<Void> waiting = follower.awaitApplied(second.commitIndex());
            assertFalse(waiting.isDone(), "committed by the other two, not applied on the isolated member");
            assertFalse(appliedOn(cluster, id, "second"));

            cluster.network.heal();
            waiting.get(10, TimeUnit.SECONDS);
            assertTrue(appliedOn(cluster, id, "second"), "applied before the wait completed");
            assertTrue(follower.awaitApplied(first.commitIndex()).isDone(), "an index applied before: at once");
        }
    }

    @Test
    void failsWhenTheMemberClosesFirst() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot, b -> b)) {
            Committed<Long> first = cluster.replicate("first", Duration.ofSeconds(10));
            RaftGroup<Long> member = cluster.groups.values().iterator().next();
            CompletableFuture<Void> never = member.awaitApplied(first.commitIndex() + 1_000);
            cluster.stop(member.localMember().id());
            assertThrows(ExecutionException.class, () -> never.get(10, TimeUnit.SECONDS));
            assertTrue(member.awaitApplied(first.commitIndex() + 2_000).isCompletedExceptionally());
        }
    }

    private static boolean appliedOn(InProcessCluster cluster, String id, String command) {
        return cluster.logs.get(id).applied().stream().anyMatch(a -> a.command().equals(command));
    }
}
