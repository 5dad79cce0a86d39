package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.AclSetRequest;
import flymq.protocol.message.UserRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every opcode the broker serves, sent by each kind of caller (anonymous, guest, consumer, producer, admin, and a
 * guest listed by name in the topic's ACL) against a topic whose ACL is not public, with the outcome each must get
 * (wire spec 10.3 and the extensions in docs/security.md). The expected table is written out here, by hand, not
 * derived from the broker's rules: an opcode the broker serves that the table does not place fails the test, so a new
 * request type cannot arrive without a decision about who may send it.
 *
 * <p>"Denied" means an ERROR frame whose text starts with upstream's {@code authentication required} or
 * {@code unauthorized}; any other answer (including other errors: the payloads are minimal) means the request got
 * past the check. With {@code auth.enabled} false nothing is denied to anyone.
 */
class AuthorizationMatrixTest {
    private static final String TOPIC = "secret";

    /** Who may send what: the test's own statement of the policy. */
    enum Need { NONE, READ, WRITE, ADMIN, SELF_OR_ADMIN }

    private static final Map<Integer, Need> POLICY = new LinkedHashMap<>();

    static {
        for (int op : new int[] {Opcodes.LIST_TOPICS, Opcodes.METADATA, Opcodes.CLUSTER_STATUS,
                Opcodes.CLUSTER_METADATA, ExtensionOpcodes.REASSIGNMENTS, Opcodes.AUTH, Opcodes.WHOAMI,
                Opcodes.ROLE_LIST, Opcodes.GET_SCHEMA,
                Opcodes.LIST_SCHEMAS, Opcodes.VALIDATE_SCHEMA, Opcodes.BEGIN_TX, Opcodes.COMMIT_TX,
                Opcodes.ABORT_TX}) {
            POLICY.put(op, Need.NONE);
        }
        for (int op : new int[] {Opcodes.CONSUME, Opcodes.CONSUME_ZERO_COPY, Opcodes.FETCH, Opcodes.FETCH_BINARY,
                ExtensionOpcodes.BATCH_FETCH, Opcodes.SUBSCRIBE, Opcodes.COMMIT, Opcodes.GET_OFFSET, Opcodes.GET_LAG,
                Opcodes.SEEK_TO_TIMESTAMP, ExtensionOpcodes.TXN_COMMIT_OFFSET, Opcodes.FETCH_DLQ,
                ExtensionOpcodes.DLQ_NACK}) {
            POLICY.put(op, Need.READ);
        }
        for (int op : new int[] {Opcodes.PRODUCE, ExtensionOpcodes.BATCH_PRODUCE, Opcodes.PRODUCE_WITH_SCHEMA,
                Opcodes.PRODUCE_DELAYED, Opcodes.PRODUCE_WITH_TTL, Opcodes.CANCEL_DELAYED, Opcodes.PRODUCE_TX,
                ExtensionOpcodes.BATCH_PRODUCE_TX, Opcodes.REPLAY_DLQ}) {
            POLICY.put(op, Need.WRITE);
        }
        for (int op : new int[] {Opcodes.CREATE_TOPIC, Opcodes.DELETE_TOPIC, ExtensionOpcodes.ALTER_TOPIC,
                ExtensionOpcodes.CREATE_PARTITIONS, Opcodes.RESET_OFFSET,
                Opcodes.LIST_GROUPS, Opcodes.DESCRIBE_GROUP, Opcodes.DELETE_GROUP, Opcodes.USER_CREATE,
                Opcodes.USER_DELETE, Opcodes.USER_UPDATE, Opcodes.USER_LIST, Opcodes.USER_GET, Opcodes.ACL_SET,
                Opcodes.ACL_GET, Opcodes.ACL_DELETE, Opcodes.ACL_LIST, Opcodes.AUDIT_QUERY, Opcodes.AUDIT_EXPORT,
                Opcodes.REGISTER_SCHEMA, Opcodes.DELETE_SCHEMA, ExtensionOpcodes.CLUSTER_MEMBERSHIP,
                ExtensionOpcodes.PARTITION_REASSIGN, ExtensionOpcodes.CLUSTER_BALANCE,
                ExtensionOpcodes.CLUSTER_REGISTER, ExtensionOpcodes.SECURITY_CHANGE, ExtensionOpcodes.TXN_FORWARD,
                ExtensionOpcodes.TXN_APPEND, ExtensionOpcodes.DELAYED_ENTRIES, Opcodes.PURGE_DLQ}) {
            POLICY.put(op, Need.ADMIN);
        }
        POLICY.put(Opcodes.PASSWORD_CHANGE, Need.SELF_OR_ADMIN);
    }

    /** A caller: its user (null: anonymous) and what it holds on {@link #TOPIC}. */
    record Caller(String name, String user, boolean read, boolean write, boolean admin) {
        boolean allowed(Need need) {
            return switch (need) {
                case NONE -> true;
                case READ -> read;
                case WRITE -> write;
                case ADMIN -> admin;
                case SELF_OR_ADMIN -> admin || "listed".equals(user);
            };
        }
    }

    private static final List<Caller> CALLERS = List.of(
            new Caller("anonymous", null, false, false, false),
            new Caller("guest", "guest1", false, false, false),
            new Caller("consumer", "consumer1", true, false, false),
            new Caller("producer", "producer1", false, true, false),
            new Caller("admin", "admin", true, true, true),
            new Caller("ACL-listed guest", "listed", true, true, false));

    @TempDir
    Path dir;

    /** A minimal request: enough for the check to find the topic, whatever the handler then makes of it. */
    static byte[] request(int opcode) {
        PayloadWriter w = new PayloadWriter();
        switch (opcode) {
            case Opcodes.PRODUCE_TX, ExtensionOpcodes.TXN_COMMIT_OFFSET -> w.str16("no-txn").str16(TOPIC);
            case ExtensionOpcodes.DLQ_NACK -> w.str16("no-group").str16(TOPIC);
            case ExtensionOpcodes.BATCH_PRODUCE_TX -> w.str16("no-txn").i64(0).str16(TOPIC);
            case Opcodes.PASSWORD_CHANGE -> new UserRequest("listed", "", "", List.of(), true).write(w);
            default -> {
                if (POLICY.get(opcode) == Need.READ || POLICY.get(opcode) == Need.WRITE) {
                    w.str16(TOPIC);
                }
            }
        }
        w.raw(new byte[32], 0, 32); // zero counts and lengths: nothing large is asked for
        return w.toPayload();
    }

    static boolean denied(WireClient.Frame f) {
        return f.isError() && (f.errorText().startsWith("authentication required")
                || f.errorText().startsWith("unauthorized"));
    }

    @Test
    void withAuthOnEachCallerGetsExactlyWhatThePolicyGrants() throws Exception {
        AtomicInteger deniedCount = new AtomicInteger();
        BrokerListener counting = new BrokerListener() {
            @Override
            public void requestDenied(String operation) {
                deniedCount.incrementAndGet();
            }
        };
        try (TestBroker broker = TestBroker.start(dir, counting, AuthSdkSequenceTest.AUTH_FLAGS)) {
            int[] served = broker.node.servedOpcodes();
            Set<String> unplaced = Arrays.stream(served).filter(op -> !POLICY.containsKey(op))
                    .mapToObj(Opcodes::name).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(Set.of(), unplaced, "opcodes served without a place in this test's policy");
            try (WireClient admin = broker.client()) {
                AuthSdkSequenceTest.logIn(admin, "admin", "s3cret");
                for (String[] u : new String[][] {{"guest1", "guest"}, {"consumer1", "consumer"},
                        {"producer1", "producer"}, {"listed", "guest"}}) {
                    WireClient.Frame f = admin.call(Opcodes.USER_CREATE, new UserRequest(u[0], "pw-" + u[0], "",
                            List.of(u[1]), true));
                    assertEquals(Opcodes.USER_CREATE, f.opcode(), f.isError() ? f.errorText() : "");
                }
                admin.call(Opcodes.CREATE_TOPIC, WireClient.payload().str16(TOPIC).i32(1));
                WireClient.Frame acl = admin.call(Opcodes.ACL_SET, new AclSetRequest(TOPIC, false,
                        List.of("listed"), List.of()));
                assertEquals(Opcodes.ACL_SET, acl.opcode(), acl.isError() ? acl.errorText() : "");
            }

            List<String> wrong = new ArrayList<>();
            int expectedDenials = 0;
            for (Caller caller : CALLERS) {
                try (WireClient c = broker.client()) {
                    if (caller.user() != null) {
                        AuthSdkSequenceTest.logIn(c, caller.user(),
                                caller.user().equals("admin") ? "s3cret" : "pw-" + caller.user());
                    }
                    for (int op : served) {
                        Need need = POLICY.get(op);
                        WireClient.Frame f = c.call(op, request(op));
                        boolean expectAllowed = caller.allowed(need);
                        if (denied(f) == expectAllowed) {
                            wrong.add(caller.name() + " " + Opcodes.name(op) + " (" + need + "): "
                                    + (expectAllowed ? "denied: " + f.errorText() : "allowed"));
                        }
                        if (!expectAllowed) {
                            expectedDenials++;
                        }
                    }
                }
            }
            assertEquals(List.of(), wrong);
            assertEquals(expectedDenials, deniedCount.get(), "every denial is counted");
            assertTrue(expectedDenials > 100, "the matrix denied " + expectedDenials + " requests");
        }
    }

    @Test
    void withAuthOffNobodyIsDeniedAnything() throws Exception {
        try (TestBroker broker = TestBroker.start(dir)) {
            List<String> wrong = new ArrayList<>();
            for (Caller caller : CALLERS) {
                try (WireClient c = broker.client()) {
                    if (caller.user() != null) {
                        // any name and password are accepted while auth is off
                        assertEquals(1, c.call(Opcodes.AUTH, AuthSdkSequenceTest.authRequest(caller.user(), "x"))
                                .payload()[0]);
                    }
                    for (int op : broker.node.servedOpcodes()) {
                        WireClient.Frame f = c.call(op, request(op));
                        if (denied(f)) {
                            wrong.add(caller.name() + " " + Opcodes.name(op) + ": " + f.errorText());
                        }
                    }
                }
            }
            assertEquals(List.of(), wrong);
        }
    }

    @Test
    void aPublicTopicIsOpenToEveryLoginAndToAnonymousOnlyWhenAllowed() throws Exception {
        String[] flags = Arrays.copyOf(AuthSdkSequenceTest.AUTH_FLAGS, AuthSdkSequenceTest.AUTH_FLAGS.length + 2);
        flags[flags.length - 2] = "auth.allow_anonymous";
        flags[flags.length - 1] = "true";
        try (TestBroker broker = TestBroker.start(dir, flags); WireClient admin = broker.client();
             WireClient anonymous = broker.client(); WireClient guest = broker.client()) {
            AuthSdkSequenceTest.logIn(admin, "admin", "s3cret");
            admin.call(Opcodes.USER_CREATE, new UserRequest("g", "pw", "", List.of("guest"), true));
            AuthSdkSequenceTest.logIn(guest, "g", "pw");
            // no ACL and auth.default_public: public
            guest.produce("open", null, "by a guest", -1);
            anonymous.produce("open", null, "by nobody", -1);
            assertEquals(2, guest.fetch("open", 0, 0, 10, null).records().size());
            // an ACL that says not public closes it to both
            admin.call(Opcodes.ACL_SET, new AclSetRequest("open", false, List.of(), List.of()));
            WireClient.Frame byGuest = guest.call(Opcodes.FETCH, WireClient.payload().str16("open").i32(0).u64(0)
                    .i32(10).str16(""));
            assertTrue(byGuest.errorText().startsWith("unauthorized"), byGuest.errorText());
            WireClient.Frame byNobody = anonymous.call(Opcodes.FETCH, WireClient.payload().str16("open").i32(0)
                    .u64(0).i32(10).str16(""));
            assertTrue(byNobody.errorText().startsWith("authentication required"), byNobody.errorText());
        }
        try (TestBroker broker = TestBroker.start(dir.resolve("b"), AuthSdkSequenceTest.AUTH_FLAGS);
             WireClient anonymous = broker.client()) {
            WireClient.Frame f = anonymous.call(Opcodes.LIST_TOPICS, new byte[0]);
            assertEquals(Opcodes.LIST_TOPICS, f.opcode(), "listing needs no login");
            WireClient.Frame produce = anonymous.call(Opcodes.PRODUCE, WireClient.payload().str16("open")
                    .bytes32(null).bytes32(WireClient.utf8("v")).i32(-1));
            assertTrue(produce.errorText().startsWith("authentication required"), produce.errorText());
        }
    }

    @Test
    void aDisabledOrDeletedUserLosesAccessAtItsNextRequest() throws Exception {
        try (TestBroker broker = TestBroker.start(dir, AuthSdkSequenceTest.AUTH_FLAGS);
             WireClient admin = broker.client(); WireClient p = broker.client()) {
            AuthSdkSequenceTest.logIn(admin, "admin", "s3cret");
            admin.call(Opcodes.USER_CREATE, new UserRequest("p", "pw", "", List.of("producer"), true));
            AuthSdkSequenceTest.logIn(p, "p", "pw");
            admin.call(Opcodes.ACL_SET, new AclSetRequest("t", false, List.of(), List.of()));
            p.produce("t", null, "while enabled", -1);
            admin.call(Opcodes.USER_UPDATE, new UserRequest("p", "", "", List.of(), false));
            WireClient.Frame disabled = p.call(Opcodes.PRODUCE, WireClient.payload().str16("t").bytes32(null)
                    .bytes32(WireClient.utf8("v")).i32(-1));
            assertTrue(disabled.errorText().startsWith("user account is disabled"), disabled.errorText());
            try (WireClient again = broker.client()) {
                WireClient.Frame login = again.call(Opcodes.AUTH, AuthSdkSequenceTest.authRequest("p", "pw"));
                assertEquals(0, login.payload()[0], "a disabled user cannot log in");
            }
            admin.call(Opcodes.USER_UPDATE, new UserRequest("p", "", "", List.of(), true));
            p.produce("t", null, "enabled again", -1);
            admin.call(Opcodes.USER_DELETE, WireClient.payload().str16("p"));
            WireClient.Frame deleted = p.call(Opcodes.PRODUCE, WireClient.payload().str16("t").bytes32(null)
                    .bytes32(WireClient.utf8("v")).i32(-1));
            assertTrue(deleted.errorText().startsWith("unauthorized"), deleted.errorText());
            assertTrue(deleted.errorText().contains("no longer exists"), deleted.errorText());
        }
    }
}
