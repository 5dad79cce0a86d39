package flymq.raft;

import flymq.raft.transport.TcpClusterTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measurements for docs/benchmarks.md, not tests: skipped unless {@code -Dflymq.bench=true}. Three members on
 * loopback TCP, each with its own data dir (fsync on), 100-byte commands, up to {@code window} in flight.
 * <pre>
 * ./mvnw -B -q test -pl modules/flymq.raft -Dtest=ReplicationBenchmark -Dflymq.bench=true \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * Results are printed to target/surefire-reports/flymq.raft.ReplicationBenchmark-output.txt.
 */
@EnabledIfSystemProperty(named = "flymq.bench", matches = "true")
class ReplicationBenchmark {

    private static final int COMMAND_BYTES = 100;

    @TempDir
    Path dataRoot;

    private final List<TcpClusterTransport> transports = new ArrayList<>();
    private final List<RaftGroup<Long>> groups = new ArrayList<>();
    private final List<RaftMember> members = new ArrayList<>();

    private void start() throws Exception {
        for (int i = 1; i <= 3; i++) {
            TcpClusterTransport t = TcpClusterTransport.bind(new InetSocketAddress("127.0.0.1", 0));
            transports.add(t);
            members.add(new RaftMember("n" + i, "127.0.0.1:" + t.localAddress().getPort()));
        }
        for (int i = 0; i < 3; i++) {
            groups.add(startMember(i));
        }
    }

    private RaftGroup<Long> startMember(int i) throws Exception {
        RaftGroupConfig config = RaftGroupConfig.builder(members.get(i), members)
                .dataDir(dataRoot.resolve(members.get(i).id())).build();
        return RaftGroup.start(config, transports.get(i), new CountingMachine(), null);
    }

    private void stop() {
        groups.stream().filter(g -> g != null).forEach(RaftGroup::close);
        transports.forEach(TcpClusterTransport::close);
    }

    private RaftGroup<Long> agreedLeader() {
        List<RaftGroup<Long>> live = groups.stream().filter(g -> g != null).toList();
        InProcessCluster.await("an agreed leader", Duration.ofSeconds(20),
                () -> InProcessCluster.agreedLeader(live).isPresent());
        return InProcessCluster.agreedLeader(live).orElseThrow();
    }

    @Test
    void replicatedThroughputWithPipelinedHundredByteCommands() throws Exception {
        try {
            start();
            RaftGroup<Long> leader = agreedLeader();
            run(leader, 20_000, 1000); // warm-up
            for (int window : new int[]{1, 1000}) {
                int count = window == 1 ? 3_000 : 100_000;
                long[] latencies = run(leader, count, window);
                double seconds = latencies[latencies.length - 1] / 1e9;
                long[] sorted = Arrays.copyOf(latencies, latencies.length - 1);
                Arrays.sort(sorted);
                System.out.printf("window %d: %d commands of %d B in %.2f s = %.0f commands/s, "
                                + "latency p50 %.2f ms p99 %.2f ms%n", window, count, COMMAND_BYTES, seconds,
                        count / seconds, sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6);
            }
        } finally {
            stop();
        }
    }

    /** Returns per-command latencies in nanoseconds followed by the total elapsed time. */
    private static long[] run(RaftGroup<Long> leader, int count, int window) throws Exception {
        Semaphore permits = new Semaphore(window);
        long[] result = new long[count + 1];
        AtomicLong failures = new AtomicLong();
        byte[] command = new byte[COMMAND_BYTES];
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            permits.acquire();
            int n = i;
            long sent = System.nanoTime();
            leader.replicate(command).whenComplete((c, e) -> {
                result[n] = System.nanoTime() - sent;
                if (e != null) {
                    failures.incrementAndGet();
                }
                permits.release();
            });
        }
        if (!permits.tryAcquire(window, 60, TimeUnit.SECONDS)) {
            throw new AssertionError("commands still in flight after 60 s");
        }
        result[count] = System.nanoTime() - start;
        if (failures.get() > 0) {
            throw new AssertionError(failures.get() + " of " + count + " commands failed");
        }
        return result;
    }

    @Test
    void timeToANewLeaderAfterKillingTheLeader() throws Exception {
        try {
            start();
            List<Long> millis = new ArrayList<>();
            for (int round = 0; round < 7; round++) {
                RaftGroup<Long> leader = agreedLeader();
                leader.replicate(new byte[COMMAND_BYTES]).get(10, TimeUnit.SECONDS);
                int index = groups.indexOf(leader);
                long killedAt = System.nanoTime();
                leader.close();
                groups.set(index, null);
                InProcessCluster.await("a new leader", Duration.ofSeconds(20),
                        () -> groups.stream().anyMatch(g -> g != null && g.isLeader()));
                millis.add((System.nanoTime() - killedAt) / 1_000_000);
                groups.set(index, startMember(index)); // back from its data dir for the next round
            }
            List<Long> sorted = millis.stream().sorted().toList();
            System.out.printf("failover over TCP, %d kills: %s ms; median %d ms, max %d ms%n", millis.size(), millis,
                    sorted.get(sorted.size() / 2), sorted.getLast());
        } finally {
            stop();
        }
    }

    /** Counts commands; snapshots are one 8-byte chunk. */
    private static final class CountingMachine implements ReplicatedStateMachine<Long> {
        private long applied;

        @Override
        public Long apply(long commitIndex, byte[] command) {
            return ++applied;
        }

        @Override
        public void takeSnapshot(long commitIndex, java.util.function.Consumer<byte[]> chunks) {
            chunks.accept(java.nio.ByteBuffer.allocate(8).putLong(applied).array());
        }

        @Override
        public void installSnapshot(long commitIndex, List<byte[]> chunks) {
            applied = java.nio.ByteBuffer.wrap(chunks.getFirst()).getLong();
        }
    }
}
