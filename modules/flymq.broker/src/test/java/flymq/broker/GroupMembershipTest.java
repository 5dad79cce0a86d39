package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Members are connections: they leave on close (all of their groups) or after the session timeout. */
class GroupMembershipTest {
    @TempDir
    Path dir;

    private static int members(TestBroker b, String topic, String group) {
        return b.node.view().groups().stream().filter(g -> g.topic().equals(topic) && g.group().equals(group))
                .findFirst().map(g -> g.members().size()).orElse(-1);
    }

    @Test
    void closingAConnectionLeavesEveryGroupItJoined() throws Exception {
        try (TestBroker b = TestBroker.start(dir)) {
            try (WireClient c = b.client()) {
                c.createTopic("a", 1);
                c.createTopic("b", 1);
                c.subscribe("a", "g", 0, "earliest");
                c.subscribe("b", "g", 0, "earliest");
                c.subscribe("b", "g", 0, "latest");
                assertEquals(1, members(b, "a", "g"));
                assertEquals(1, members(b, "b", "g"));
            }
            NetworkingTest.await(() -> members(b, "a", "g") == 0 && members(b, "b", "g") == 0,
                    "both memberships to end");
            List<Long> rebalances = b.node.view().groups().stream().map(BrokerView.GroupInfo::rebalances).toList();
            assertEquals(List.of(2L, 2L), rebalances, "one join and one leave per group");
        }
    }

    @Test
    void aSilentMemberExpiresAfterTheSessionTimeout() throws Exception {
        try (TestBroker b = TestBroker.start(dir, "groups.session_timeout_ms", "200"); WireClient c = b.client()) {
            c.createTopic("s", 1);
            c.subscribe("s", "g", 0, "earliest");
            assertEquals(1, members(b, "s", "g"));
            NetworkingTest.await(() -> members(b, "s", "g") == 0, "the member to expire");
            c.subscribe("s", "g", 0, "earliest");
            assertEquals(1, members(b, "s", "g"), "subscribing again rejoins");
        }
    }

    @Test
    void twoConnectionsAreTwoMembers() throws Exception {
        try (TestBroker b = TestBroker.start(dir); WireClient c1 = b.client(); WireClient c2 = b.client()) {
            c1.createTopic("m", 1);
            c1.subscribe("m", "g", 0, "earliest");
            c2.subscribe("m", "g", 0, "earliest");
            assertEquals(2, members(b, "m", "g"));
            assertTrue(b.node.view().groups().get(0).members().stream().allMatch(m -> m.startsWith("127.0.0.1:")));
        }
    }
}
