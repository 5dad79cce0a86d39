package flymq.raft;

import flymq.raft.transport.TcpClusterTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Three members on loopback TCP with ephemeral ports: the real transport end to end. */
class TcpClusterTest {

    @TempDir
    Path dataRoot;

    private final List<TcpClusterTransport> transports = new ArrayList<>();
    private final List<RaftGroup<Long>> groups = new ArrayList<>();
    private final List<RegisterLog> logs = new ArrayList<>();

    @AfterEach
    void closeAll() {
        groups.forEach(RaftGroup::close);
        transports.forEach(TcpClusterTransport::close);
    }

    private void startThreeNodes() throws IOException {
        List<RaftMember> members = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            TcpClusterTransport t = TcpClusterTransport.bind(new InetSocketAddress("127.0.0.1", 0));
            transports.add(t);
            members.add(new RaftMember("n" + i, "127.0.0.1:" + t.localAddress().getPort()));
        }
        for (int i = 0; i < 3; i++) {
            RegisterLog log = new RegisterLog();
            logs.add(log);
            RaftGroupConfig config = RaftGroupConfig.builder(members.get(i), members)
                    .dataDir(dataRoot.resolve("n" + (i + 1))).build();
            groups.add(RaftGroup.start(config, transports.get(i), log, null));
        }
    }

    /** Waits until every member names the same leader and that member leads: startup churn is over. */
    private RaftGroup<Long> awaitLeader() {
        InProcessCluster.await("all members agreeing on a leader", Duration.ofSeconds(10),
                () -> InProcessCluster.agreedLeader(groups).isPresent());
        return InProcessCluster.agreedLeader(groups).orElseThrow();
    }

    @Test
    void threeNodesOnLoopbackElectALeaderAndReplicateToAll() throws Exception {
        startThreeNodes();
        RaftGroup<Long> leader = awaitLeader();
        List<CompletableFuture<Committed<Long>>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            futures.add(leader.replicate(("tcp-" + i).getBytes(StandardCharsets.UTF_8)));
        }
        long highest = 0;
        for (CompletableFuture<Committed<Long>> f : futures) {
            highest = Math.max(highest, f.get(10, TimeUnit.SECONDS).commitIndex());
        }
        long target = highest;
        InProcessCluster.await("all members at index " + target, Duration.ofSeconds(10),
                () -> groups.stream().allMatch(g -> g.commitIndex() >= target));
        for (RegisterLog log : logs) {
            List<String> commands = log.applied().stream().map(RegisterLog.Applied::command).toList();
            assertEquals(200, commands.size());
            assertEquals("tcp-0", commands.getFirst());
            assertEquals("tcp-199", commands.getLast());
        }
        for (RaftGroup<Long> g : groups) {
            assertEquals(leader.localMember(), g.leader().orElseThrow(), "leader as seen by " + g.localMember());
        }
    }

    @Test
    void followerForwardsNothingButNamesTheLeaderWhenAskedToReplicate() throws Exception {
        startThreeNodes();
        RaftGroup<Long> leader = awaitLeader();
        leader.replicate("warm-up".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        RaftGroup<Long> follower = groups.stream().filter(g -> !g.isLeader()).findFirst().orElseThrow();
        CompletableFuture<Committed<Long>> refused = follower.replicate("x".getBytes(StandardCharsets.UTF_8));
        Throwable error = refused.handle((ok, e) -> e).get(10, TimeUnit.SECONDS);
        RaftGroupException rge = (RaftGroupException) (error.getCause() == null ? error : error.getCause());
        assertEquals(RaftGroupException.Reason.NOT_LEADER, rge.reason());
        assertEquals(leader.localMember(), rge.leader().orElseThrow());
    }

    @Test
    void garbageOnTheClusterPortIsRejectedWithoutDisturbingTheCluster() throws Exception {
        startThreeNodes();
        RaftGroup<Long> leader = awaitLeader();
        TcpClusterTransport target = transports.get(groups.indexOf(leader));
        try (Socket s = new Socket("127.0.0.1", target.localAddress().getPort())) {
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // the transport closes the connection on the bad preamble: read sees end of stream
            s.setSoTimeout(5000);
            assertEquals(-1, s.getInputStream().read());
        }
        assertTrue(target.stats().framesRejected() >= 1, "bad preamble not counted: " + target.stats());
        Committed<Long> c = leader.replicate("after-garbage".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        assertTrue(c.commitIndex() > 0);
    }
}
