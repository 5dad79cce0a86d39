package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A running node keeps its files where {@link DataDirLayout} says, and nowhere else. */
class DataDirLayoutTest {
    @TempDir
    Path dir;

    @Test
    void aSingleNodeWritesOnlyWhereTheLayoutSays() throws IOException {
        DataDirLayout layout = new DataDirLayout(dir);
        try (TestBroker broker = TestBroker.start(dir); WireClient c = broker.client()) {
            assertFalse(c.createTopic("orders", 1).isError());
            c.produce("orders", "k", "v", 0);
            assertFalse(c.commit("orders", "billing", 0, 1).isError());

            assertTrue(Files.isRegularFile(layout.lockFile()), "lock file");
            assertTrue(Files.isRegularFile(layout.topicsFile()), "topic definitions");
            assertTrue(Files.isDirectory(layout.logsDir().resolve("orders-0")), "partition log");
            assertTrue(Files.isRegularFile(layout.offsetsFile()), "group offsets");
            assertTrue(Files.isRegularFile(layout.transactionsFile()), "transaction state");
            assertTrue(Files.isRegularFile(layout.auditDir().resolve("audit.log")), "the audit trail");
            try (Stream<Path> top = Files.list(dir)) {
                assertEquals(List.of(layout.lockFile(), layout.auditDir(), layout.groupsDir(), layout.logsDir(),
                        layout.topicsFile(), layout.transactionsFile().getParent()), top.sorted().toList());
            }
            assertTrue(Files.notExists(layout.securityFile()), "no security.json until a user or ACL exists");
            assertTrue(Files.notExists(layout.raftDir()), "a single node keeps no Raft state");
        }
    }
}
