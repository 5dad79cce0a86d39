package flymq.raft;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** Members of one Raft group on a {@link FaultyNetwork}, each with a {@link RegisterLog} and its own data dir. */
final class InProcessCluster implements AutoCloseable {

    final FaultyNetwork network = new FaultyNetwork();
    final List<RaftMember> initialMembers = new ArrayList<>();
    final Map<String, RaftGroup<Long>> groups = new LinkedHashMap<>();
    final Map<String, RegisterLog> logs = new LinkedHashMap<>();
    private final Path dataRoot;
    private final UnaryOperator<RaftGroupConfig.Builder> tuning;
    private final Function<RaftMember, RaftListener> listeners;

    InProcessCluster(int size, Path dataRoot, UnaryOperator<RaftGroupConfig.Builder> tuning) throws IOException {
        this(size, dataRoot, tuning, m -> RaftListener.NONE);
    }

    /** @param listeners each member's listener besides the trace (a test that watches the group's events) */
    InProcessCluster(int size, Path dataRoot, UnaryOperator<RaftGroupConfig.Builder> tuning,
                     Function<RaftMember, RaftListener> listeners) throws IOException {
        RecentLogLines.INSTANCE.clear();
        this.dataRoot = dataRoot;
        this.tuning = tuning;
        this.listeners = listeners;
        for (int i = 1; i <= size; i++) {
            initialMembers.add(member(i));
        }
        for (RaftMember m : initialMembers) {
            start(m);
        }
    }

    static RaftMember member(int i) {
        return new RaftMember("n" + i, "127.0.0.1:" + (19_000 + i)); // never bound: the network is in-process
    }

    RaftGroup<Long> start(RaftMember m) throws IOException {
        RaftGroupConfig.Builder builder = RaftGroupConfig.builder(m, initialMembers)
                .dataDir(dataRoot == null ? null : dataRoot.resolve(m.id()));
        RegisterLog log = new RegisterLog();
        RaftGroup<Long> group = RaftGroup.start(tuning.apply(builder).build(), network.transportFor(m), log,
                new TraceListener(m.id()).andThen(listeners.apply(m)));
        groups.put(m.id(), group);
        logs.put(m.id(), log);
        return group;
    }

    void stop(String id) {
        RaftGroup<Long> g = groups.remove(id);
        if (g != null) {
            g.close();
        }
    }

    RaftGroup<Long> awaitLeader(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<RaftGroup<Long>> leader = leader();
            if (leader.isPresent()) {
                return leader.get();
            }
            pause();
        }
        throw new AssertionError("no leader among " + groups.keySet() + " within " + timeout);
    }

    /** The leader when every given member names it and it leads in its own eyes. */
    static Optional<RaftGroup<Long>> agreedLeader(java.util.Collection<RaftGroup<Long>> members) {
        Optional<RaftGroup<Long>> leader = members.stream().filter(RaftGroup::isLeader).findFirst();
        if (leader.isEmpty()) {
            return leader;
        }
        RaftMember m = leader.get().localMember();
        boolean agreed = members.stream().allMatch(g -> g.leader().filter(m::equals).isPresent());
        return agreed ? leader : Optional.empty();
    }

    RaftGroup<Long> awaitAgreedLeader(Duration timeout) {
        await("members agreeing on a leader", timeout, () -> agreedLeader(groups.values()).isPresent());
        return agreedLeader(groups.values()).orElseThrow();
    }

    /** A member that is leader in its own eyes, with the highest term if two believe so. */
    Optional<RaftGroup<Long>> leader() {
        return groups.values().stream().filter(RaftGroup::isLeader)
                .max((a, b) -> Integer.compare(a.term(), b.term()));
    }

    /** Replicates through whoever leads now, retrying on another leader for up to {@code timeout}. */
    Committed<Long> replicate(String command, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            RaftGroup<Long> leader = awaitLeader(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            try {
                return leader.replicate(command.getBytes(StandardCharsets.UTF_8)).join();
            } catch (RuntimeException e) {
                last = e;
                pause();
            }
        }
        throw new AssertionError("could not replicate " + command + " within " + timeout, last);
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, condition, () -> "");
    }

    /** Like {@link #await(String, Duration, BooleanSupplier)}, with the cluster's state in the failure message. */
    void awaitExplained(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, condition, this::describe);
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition,
                              java.util.function.Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                String state = diagnostics.get();
                System.out.println(state);
                throw new AssertionError("timed out after " + timeout + " waiting for " + what
                        + (state.isEmpty() ? "" : "\n" + state));
            }
            pause();
        }
    }

    /**
     * Every member's state (MicroRaft's internals read on its Raft thread, what its state machine applied), the
     * network's, and MicroRaft's recent log lines: what a failed liveness check needs to explain itself.
     */
    String describe() {
        StringBuilder b = new StringBuilder("cluster state at ")
                .append(String.format("%tT.%<tL", System.currentTimeMillis())).append(":\n");
        for (Map.Entry<String, RaftGroup<Long>> e : groups.entrySet()) {
            RegisterLog log = logs.get(e.getKey());
            List<RegisterLog.Applied> applied = log.applied();
            b.append("  ").append(e.getValue().internalState(2_000))
                    .append("; state machine: last applied index ")
                    .append(applied.isEmpty() ? "none" : applied.getLast().index())
                    .append(", snapshots installed ").append(log.snapshotsInstalled()).append('\n');
        }
        b.append("  network: ").append(network.describe()).append('\n');
        b.append("  recent MicroRaft/FlyMQ log lines (oldest first):\n");
        for (String line : RecentLogLines.INSTANCE.lines()) {
            b.append("    ").append(line).append('\n');
        }
        return b.toString();
    }

    static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Prints role and leader changes into the test report, so a failed run shows how elections went. */
    private record TraceListener(String id) implements RaftListener {
        @Override
        public void onRoleChange(String groupId, Role role, int term) {
            System.out.printf("%tT.%<tL %s role %s term %d%n", System.currentTimeMillis(), id, role, term);
        }

        @Override
        public void onLeaderChange(String groupId, Optional<RaftMember> leader, int term) {
            System.out.printf("%tT.%<tL %s leader %s term %d%n", System.currentTimeMillis(), id,
                    leader.map(RaftMember::id).orElse("-"), term);
        }
    }

    @Override
    public void close() {
        for (RaftGroup<Long> g : groups.values()) {
            g.close();
        }
        groups.clear();
        network.close();
    }
}
