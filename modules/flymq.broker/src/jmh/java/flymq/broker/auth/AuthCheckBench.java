package flymq.broker.auth;

import flymq.broker.BrokerConfig;
import flymq.broker.BrokerListener;
import flymq.broker.audit.AuditTrail;
import flymq.broker.server.Session;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the access check adds to one request: {@link AccessGuard#admit} for a BATCH_PRODUCE by a user whose role
 * grants nothing and whom the topic's ACL lists by name (the longest path: session, user lookup, role test, ACL
 * lookup), against the same call with auth off (what every request pays then) and against only the reader the
 * connection makes for the guard. A BATCH_PRODUCE carries hundreds of records; the figures are per request.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AuthCheckBench {
    AccessGuard on;
    AccessGuard off;
    Session session;
    byte[] request;

    @Setup
    public void setUp() throws IOException {
        Path dir = Files.createTempDirectory("flymq-auth-bench");
        SecurityStore store = SecurityStore.open(dir.resolve("security.json"));
        store.apply(new SecurityChange.PutUser(new User("loadgen", "x", List.of("guest"), true, 0, 0)));
        store.apply(new SecurityChange.PutAcl(new TopicAcl("bench_auth", false, List.of("loadgen"), List.of())));
        BrokerConfig.Auth enabled = BrokerConfig.load(null, Map.of(), Map.of("auth.enabled", "true")).auth();
        on = new AccessGuard(new Authorizer(enabled, store), AuditTrail.OFF, BrokerListener.NONE);
        off = new AccessGuard(new Authorizer(BrokerConfig.defaults().auth(), store), AuditTrail.OFF,
                BrokerListener.NONE);
        session = new Session("/127.0.0.1:50000");
        session.authenticate("loadgen");
        // the head of a BATCH_PRODUCE: topic, acks, one group (the records are never read by the check)
        request = new PayloadWriter().str16("bench_auth").u8(1).u32(1).i32(0).u32(600).toPayload();
    }

    @Benchmark
    public PayloadReader readerOnly() {
        return new PayloadReader(request, 0, request.length);
    }

    @Benchmark
    public void authOff() {
        off.admit(session, ExtensionOpcodes.BATCH_PRODUCE, new PayloadReader(request, 0, request.length));
    }

    @Benchmark
    public void authOnAclListedUser() {
        on.admit(session, ExtensionOpcodes.BATCH_PRODUCE, new PayloadReader(request, 0, request.length));
    }
}
