package flymq.broker;

import static flymq.broker.SdkSequenceTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.ErrorFrame;
import flymq.protocol.Opcodes;
import flymq.protocol.message.RoleListResponse;
import flymq.protocol.message.UserListResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AUTH, WHOAMI and the user and ACL opcodes with {@code auth.enabled}, byte for byte as the official SDKs encode
 * the requests (the Java SDK's {@code BinaryProtocol.encodeAuthRequest}, {@code encodeUserRequest},
 * {@code encodeACLRequest}) and decode the answers (wire spec 4.16 compat facts and section 11).
 */
class AuthSdkSequenceTest {
    static final String[] AUTH_FLAGS = {"auth.enabled", "true", "auth.admin_password", "s3cret",
            "auth.password_hash_iterations", "1000"};

    @TempDir
    Path dir;
    TestBroker broker;
    WireClient c;

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start(dir, AUTH_FLAGS);
        c = broker.client();
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
        broker.close();
    }

    /** AUTH as the SDKs send it: {@code str16 user · str16 password}. */
    static byte[] authRequest(String user, String password) {
        return WireClient.payload().str16(user).str16(password).toPayload();
    }

    static void logIn(WireClient client, String user, String password) throws Exception {
        WireClient.Frame f = client.call(Opcodes.AUTH, authRequest(user, password));
        assertEquals(Opcodes.AUTH_RESPONSE, f.opcode());
        assertEquals(1, f.payload()[0], "login as " + user);
    }

    @Test
    void theBootstrapAdminLogsInAndWhoamiListsItsRoleAndPermissions() throws Exception {
        WireClient.Frame auth = c.call(Opcodes.AUTH, hex("00 05 61 64 6D 69 6E | 00 06 73 33 63 72 65 74"));
        assertEquals(Opcodes.AUTH_RESPONSE, auth.opcode());
        // success · "admin" · no roles · four zero bytes: Java, Python and Go all decode it
        assertArrayEquals(hex("01 | 00 05 61 64 6D 69 6E | 00 00 00 00 | 00 00 00 00"), auth.payload());

        WireClient.Frame who = c.call(Opcodes.WHOAMI, new byte[0]);
        assertEquals(Opcodes.WHOAMI_RESPONSE, who.opcode());
        assertArrayEquals(hex("01 | 00 05 61 64 6D 69 6E | 00 00 00 01 | 00 05 61 64 6D 69 6E | 00 00 00 03"
                + " | 00 04 72 65 61 64 | 00 05 77 72 69 74 65 | 00 05 61 64 6D 69 6E"), who.payload());
    }

    @Test
    void aWrongPasswordAnswersSuccessZeroAndLeavesTheConnectionAnonymous() throws Exception {
        WireClient.Frame auth = c.call(Opcodes.AUTH, authRequest("admin", "wrong"));
        assertEquals(Opcodes.AUTH_RESPONSE, auth.opcode());
        assertArrayEquals(hex("00 | 00 05 61 64 6D 69 6E | 00 00 00 00 | 00 00 00 00"), auth.payload());
        assertArrayEquals(hex("00 | 00 00 | 00 00 00 00 | 00 00 00 00"), c.call(Opcodes.WHOAMI, new byte[0])
                .payload());
        // an unknown user gets the same answer as a wrong password
        assertArrayEquals(hex("00 | 00 04 6E 6F 6E 65 | 00 00 00 00 | 00 00 00 00"),
                c.call(Opcodes.AUTH, authRequest("none", "wrong")).payload());
    }

    @Test
    void anAnonymousProduceIsRefusedWithTheStructuredErrorNamingAuthentication() throws Exception {
        WireClient.Frame f = c.call(Opcodes.PRODUCE, WireClient.payload().str16("orders").bytes32(null)
                .bytes32(WireClient.utf8("v")).i32(-1));
        assertEquals(Opcodes.ERROR, f.opcode());
        assertArrayEquals(hex("00 00 00 01"), Arrays.copyOf(f.payload(), 4), "structured form, code 1");
        assertTrue(ErrorFrame.decode(f.payload()).startsWith("authentication required"), f.errorText());
    }

    @Test
    void usersAndAclsAsTheJavaSdkEncodesThem() throws Exception {
        logIn(c, "admin", "s3cret");
        // USER_CREATE: "alice" · "pw1" · "" · ["producer"] · enabled
        WireClient.Frame created = c.call(Opcodes.USER_CREATE, hex("00 05 61 6C 69 63 65 | 00 03 70 77 31 | 00 00"
                + " | 00 00 00 01 | 00 08 70 72 6F 64 75 63 65 72 | 01"));
        assertEquals(Opcodes.USER_CREATE, created.opcode(), created.isError() ? created.errorText() : "");
        byte[] info = created.payload();
        // UserInfo: "alice" · ["producer"] · ["write"] · enabled · i64 created · i64 updated (Unix seconds)
        byte[] head = hex("00 05 61 6C 69 63 65 | 00 00 00 01 | 00 08 70 72 6F 64 75 63 65 72"
                + " | 00 00 00 01 | 00 05 77 72 69 74 65 | 01");
        assertArrayEquals(head, Arrays.copyOf(info, head.length));
        assertEquals(head.length + 16, info.length);
        long createdSeconds = ByteBuffer.wrap(info, head.length, 8).getLong();
        long now = System.currentTimeMillis() / 1000;
        assertTrue(Math.abs(now - createdSeconds) < 60, "created " + createdSeconds + ", now " + now);

        // ACL_SET: "payments" · not public · users ["alice"] · roles ["consumer"]
        WireClient.Frame set = c.call(Opcodes.ACL_SET, hex("00 08 70 61 79 6D 65 6E 74 73 | 00"
                + " | 00 00 00 01 | 00 05 61 6C 69 63 65 | 00 00 00 01 | 00 08 63 6F 6E 73 75 6D 65 72"));
        assertArrayEquals(hex("01 | 00 08 70 61 79 6D 65 6E 74 73"), set.payload());
        WireClient.Frame get = c.call(Opcodes.ACL_GET, hex("00 08 70 61 79 6D 65 6E 74 73"));
        // topic · exists · not public · default_public · users · roles
        assertArrayEquals(hex("00 08 70 61 79 6D 65 6E 74 73 | 01 | 00 | 01 | 00 00 00 01 | 00 05 61 6C 69 63 65"
                + " | 00 00 00 01 | 00 08 63 6F 6E 73 75 6D 65 72"), get.payload());
        WireClient.Frame none = c.call(Opcodes.ACL_GET, hex("00 02 6E 6F"));
        assertArrayEquals(hex("00 02 6E 6F | 00 | 01 | 01 | 00 00 00 00 | 00 00 00 00"), none.payload());

        WireClient.Frame list = c.call(Opcodes.USER_LIST, new byte[0]);
        assertEquals(List.of("admin", "alice"), UserListResponse.read(list.reader()).users().stream()
                .map(u -> u.username()).toList());

        try (WireClient alice = broker.client()) {
            logIn(alice, "alice", "pw1");
            alice.produce("payments", null, "listed by the ACL", -1);
            WireClient.Frame refused = alice.call(Opcodes.USER_CREATE, hex("00 03 65 76 65 | 00 01 78 | 00 00"
                    + " | 00 00 00 00 | 01"));
            assertTrue(refused.errorText().startsWith("unauthorized"), refused.errorText());
            // PASSWORD_CHANGE of oneself: "alice" · new "pw2" · old "pw1" · [] · enabled
            WireClient.Frame changed = alice.call(Opcodes.PASSWORD_CHANGE, hex("00 05 61 6C 69 63 65"
                    + " | 00 03 70 77 32 | 00 03 70 77 31 | 00 00 00 00 | 01"));
            assertArrayEquals(hex("01 | 00 05 61 6C 69 63 65"), changed.payload());
        }
        try (WireClient again = broker.client()) {
            assertEquals(0, again.call(Opcodes.AUTH, authRequest("alice", "pw1")).payload()[0]);
            logIn(again, "alice", "pw2");
        }
    }

    @Test
    void roleListNeedsNoLogin() throws Exception {
        WireClient.Frame f = c.call(Opcodes.ROLE_LIST, new byte[0]);
        List<RoleListResponse.Role> roles = RoleListResponse.read(f.reader()).roles();
        assertEquals(List.of("admin", "producer", "consumer", "guest"), roles.stream()
                .map(RoleListResponse.Role::name).toList());
        assertEquals(List.of("read", "write", "admin"), roles.get(0).permissions());
        assertEquals(List.of(), roles.get(3).permissions());
    }
}
