package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.AuthenticationException;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqException;
import flymq.protocol.message.UserInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users and ACLs in a three-node cluster with {@code auth.enabled}: changed through any node (a follower forwards
 * them as SECURITY_CHANGE, logged in as the bootstrap admin), committed through the metadata Raft group, known on
 * every node; kept across a metadata leader failover, a whole-cluster restart, and by a node that catches up from a
 * metadata snapshot.
 */
class ClusterSecurityTest {
    static final Map<String, String> AUTH = Map.of("auth.enabled", "true", "auth.admin_password", "s3cret",
            "auth.password_hash_iterations", "1000");

    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private FlyMqClient as(int node, String user, String password) {
        return FlyMqClient.builder().bootstrap("127.0.0.1:" + cluster.port(node)).connectPasses(1)
                .requestTimeout(Duration.ofSeconds(20)).credentials(user, password).build();
    }

    private boolean logsIn(int node, String user, String password) {
        try (FlyMqClient c = as(node, user, password)) {
            return c.whoami().success();
        } catch (FlyMqException e) {
            return false;
        }
    }

    private boolean hasAcl(int node, String topic) {
        try (FlyMqClient c = as(node, "admin", "s3cret")) {
            return c.getAcl(topic).exists();
        } catch (FlyMqException e) {
            return false;
        }
    }

    /** Retried while an election settles: the change may meet a node that has no leader yet. */
    private UserInfo createUser(int node, String user, List<String> roles) throws InterruptedException {
        UserInfo[] created = {null};
        ClusterHarness.await("user " + user + " created through n" + (node + 1), 30_000, () -> {
            try (FlyMqClient c = as(node, "admin", "s3cret")) {
                created[0] = c.createUser(user, "pw-" + user, roles);
                return true;
            } catch (FlyMqException e) {
                if (e.getMessage().contains("already exists")) {
                    created[0] = new UserInfo(user, roles, List.of(), true, 0, 0);
                    return true; // an earlier try was committed after its answer was lost
                }
                return false;
            }
        });
        return created[0];
    }

    @Test
    void usersAndAclsReplicateAndSurviveLeaderFailoverAndAWholeClusterRestart() throws Exception {
        cluster = new ClusterHarness(dir, 21, b -> { }).withFlags(AUTH).startAll();
        cluster.awaitRegistered();
        int leader = cluster.metadataLeader();
        int follower = (leader + 1) % ClusterHarness.SIZE;

        assertEquals(List.of("producer"), createUser(follower, "alice", List.of("producer")).roles());
        try (FlyMqClient admin = as(follower, "admin", "s3cret")) {
            admin.setAcl("payments", false, List.of("alice"), List.of());
            // the node that took the change has applied it when it answers
            assertTrue(admin.getAcl("payments").exists());
            assertEquals(List.of("admin", "alice"), admin.listUsers().stream().map(UserInfo::username).toList());
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int n = i;
            ClusterHarness.await("alice logs in on n" + (n + 1), 20_000, () -> logsIn(n, "alice", "pw-alice"));
            ClusterHarness.await("the ACL on n" + (n + 1), 20_000, () -> hasAcl(n, "payments"));
        }
        try (FlyMqClient alice = as(leader, "alice", "pw-alice")) {
            assertThrows(AuthenticationException.class, () -> alice.createUser("mallory", "x", List.of("admin")),
                    "a producer is no admin on any node");
        }

        cluster.stop(leader);
        int next = cluster.metadataLeader();
        int survivor = 3 - leader - next;
        createUser(survivor, "bob", List.of("consumer"));
        ClusterHarness.await("bob on the new leader", 20_000, () -> logsIn(next, "bob", "pw-bob"));
        assertTrue(logsIn(survivor, "alice", "pw-alice"));

        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            cluster.stop(i);
        }
        cluster.startAll();
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int n = i;
            ClusterHarness.await("alice and bob on n" + (n + 1) + " after the restart", 30_000,
                    () -> logsIn(n, "alice", "pw-alice") && logsIn(n, "bob", "pw-bob") && hasAcl(n, "payments"));
        }
        assertTrue(!logsIn(0, "alice", "wrong"), "a wrong password still fails");
    }

    @Test
    void aNodeCatchingUpFromASnapshotGetsTheUsers() throws Exception {
        cluster = new ClusterHarness(dir, 22, b -> b.commitCountToTakeSnapshot(5), b -> { }).withFlags(AUTH)
                .startAll();
        cluster.awaitRegistered();
        int leader = cluster.metadataLeader();
        int away = (leader + 1) % ClusterHarness.SIZE;
        cluster.stop(away);
        for (int u = 0; u < 12; u++) {
            createUser(leader, "user" + u, List.of("guest"));
        }
        cluster.start(away);
        ClusterHarness.await("the returning node knows all 12 users", 30_000, () -> {
            try (FlyMqClient c = as(away, "admin", "s3cret")) {
                return c.listUsers().size() == 13;
            } catch (FlyMqException e) {
                return false;
            }
        });
        assertTrue(logsIn(away, "user11", "pw-user11"));
    }
}
