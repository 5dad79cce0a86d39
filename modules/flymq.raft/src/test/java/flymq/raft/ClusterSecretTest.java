package flymq.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.raft.codec.RaftModelCodec;
import flymq.raft.transport.ClusterAuth;
import flymq.raft.transport.TcpClusterTransport;
import io.microraft.model.log.LogEntry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three members sharing a cluster secret, and a rogue with another secret that knows their addresses and group id:
 * it tries to join (as a member of its own view of the group, campaigning for votes) and to inject AppendEntries of a
 * higher term. None of it reaches the members' Raft: their term, leader, members and logs stay theirs.
 */
class ClusterSecretTest {

    private static final ClusterAuth SECRET = ClusterAuth.sharedSecret(
            "the cluster's own secret".getBytes(StandardCharsets.UTF_8));
    private static final ClusterAuth ROGUE_SECRET = ClusterAuth.sharedSecret(
            "a guess at the secret...".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dataRoot;

    private final List<TcpClusterTransport> transports = new ArrayList<>();
    private final List<RaftGroup<Long>> groups = new ArrayList<>();
    private final List<RegisterLog> logs = new ArrayList<>();
    private final List<RaftGroup<Long>> rogueGroups = new ArrayList<>();

    @AfterEach
    void closeAll() {
        rogueGroups.forEach(RaftGroup::close);
        groups.forEach(RaftGroup::close);
        transports.forEach(TcpClusterTransport::close);
    }

    private TcpClusterTransport bind(ClusterAuth auth) throws IOException {
        TcpClusterTransport t = TcpClusterTransport.bind(new InetSocketAddress("127.0.0.1", 0),
                TcpClusterTransport.Limits.DEFAULT, auth);
        transports.add(t);
        return t;
    }

    private List<RaftMember> startThreeNodes() throws IOException {
        List<RaftMember> members = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            members.add(new RaftMember("n" + i, "127.0.0.1:" + bind(SECRET).localAddress().getPort()));
        }
        for (int i = 0; i < 3; i++) {
            RegisterLog log = new RegisterLog();
            logs.add(log);
            RaftGroupConfig config = RaftGroupConfig.builder(members.get(i), members)
                    .dataDir(dataRoot.resolve("n" + (i + 1))).build();
            groups.add(RaftGroup.start(config, transports.get(i), log, null));
        }
        return members;
    }

    private long honestAuthFailures() {
        return transports.subList(0, 3).stream().mapToLong(t -> t.stats().authFailures()).sum();
    }

    @Test
    void membersWithTheSecretElectAndReplicate() throws Exception {
        startThreeNodes();
        InProcessCluster.await("a leader", Duration.ofSeconds(10),
                () -> InProcessCluster.agreedLeader(groups).isPresent());
        RaftGroup<Long> leader = InProcessCluster.agreedLeader(groups).orElseThrow();
        long index = 0;
        for (int i = 0; i < 50; i++) {
            index = leader.replicate(("c" + i).getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS)
                    .commitIndex();
        }
        long target = index;
        InProcessCluster.await("every member applied", Duration.ofSeconds(10),
                () -> groups.stream().allMatch(g -> g.commitIndex() >= target));
        assertEquals(0, honestAuthFailures());
    }

    @Test
    void aRogueWithAnotherSecretCannotJoinVoteOrAppend() throws Exception {
        List<RaftMember> members = startThreeNodes();
        InProcessCluster.await("a leader", Duration.ofSeconds(10),
                () -> InProcessCluster.agreedLeader(groups).isPresent());
        RaftGroup<Long> leader = InProcessCluster.agreedLeader(groups).orElseThrow();
        leader.replicate("before".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        int termBefore = leader.term();

        // a rogue member that believes it belongs to the group: it campaigns, with nobody to answer it
        TcpClusterTransport rogueTransport = bind(ROGUE_SECRET);
        RaftMember rogue = new RaftMember("rogue", "127.0.0.1:" + rogueTransport.localAddress().getPort());
        List<RaftMember> rogueView = new ArrayList<>(members);
        rogueView.add(rogue);
        rogueGroups.add(RaftGroup.start(RaftGroupConfig.builder(rogue, rogueView)
                .dataDir(dataRoot.resolve("rogue")).build(), rogueTransport, new RegisterLog(), null));
        // and AppendEntries of a far higher term, carrying an entry of its own, sent straight to every member
        RaftModelCodec codec = new RaftModelCodec();
        LogEntry injected = codec.factory().createLogEntryBuilder().setIndex(2).setTerm(1000)
                .setOperation("injected".getBytes(StandardCharsets.UTF_8)).build();
        for (RaftMember m : members) {
            rogueTransport.send(m, codec.factory().createAppendEntriesRequestBuilder()
                    .setGroupId(RaftGroupConfig.DEFAULT_GROUP_ID).setSender(rogue).setTerm(1000)
                    .setPreviousLogTerm(0).setPreviousLogIndex(0).setCommitIndex(2).setLogEntries(List.of(injected))
                    .setQuerySequenceNumber(0).setFlowControlSequenceNumber(0).build());
        }
        InProcessCluster.await("every member refused the rogue", Duration.ofSeconds(10),
                () -> transports.subList(0, 3).stream().allMatch(t -> t.stats().authFailures() >= 1));

        // the honest group goes on as before: its own members, terms and entries only
        InProcessCluster.await("a leader", Duration.ofSeconds(10),
                () -> InProcessCluster.agreedLeader(groups).isPresent());
        long index = InProcessCluster.agreedLeader(groups).orElseThrow()
                .replicate("after".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).commitIndex();
        InProcessCluster.await("every member applied", Duration.ofSeconds(10),
                () -> groups.stream().allMatch(g -> g.commitIndex() >= index));
        for (int i = 0; i < 3; i++) {
            RaftGroup<Long> g = groups.get(i);
            // an election of their own on a loaded machine may move the term a little; the rogue's 1000 never
            assertTrue(g.term() >= termBefore && g.term() < 1000, "term of " + g.localMember() + ": " + g.term());
            assertFalse(g.leader().map(RaftMember::id).orElse("").equals("rogue"));
            assertEquals(members, g.members(), "the rogue did not join");
            List<String> applied = logs.get(i).applied().stream().map(RegisterLog.Applied::command).toList();
            assertFalse(applied.contains("injected"), applied.toString());
            assertTrue(applied.contains("before") && applied.contains("after"), applied.toString());
        }
        assertTrue(rogueGroups.get(0).leader().isEmpty(), "no member ever answered the rogue");
        assertTrue(rogueTransport.stats().authFailures() >= 1, "the rogue was told");
    }
}
