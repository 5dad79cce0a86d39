package flymq.broker.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.RequestException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator's refusals, on real logs (the history harness of {@link TransactionHistoryProperties}). */
class TransactionCoordinatorTest {
    @TempDir
    Path dir;

    @Test
    void beginIsRefusedBeyondTheOpenTransactionLimitUntilSomeEnd() {
        try (TransactionHistoryProperties.Harness h = new TransactionHistoryProperties.Harness(dir)) {
            String first = h.coordinator.begin();
            for (int i = 1; i < TransactionCoordinator.MAX_OPEN; i++) {
                h.coordinator.begin();
            }
            assertEquals(TransactionCoordinator.MAX_OPEN, h.coordinator.openCount());
            RequestException e = assertThrows(RequestException.class, h.coordinator::begin);
            assertTrue(e.getMessage().startsWith("too many open transactions (100000)"), e.getMessage());
            h.coordinator.abort(first);
            h.coordinator.begin();
        }
    }

    @Test
    void idsAreNeverReusedAcrossRestarts() {
        try (TransactionHistoryProperties.Harness h = new TransactionHistoryProperties.Harness(dir)) {
            String before = h.coordinator.begin();
            h.apply(new TransactionHistoryProperties.Restart());
            String after = h.coordinator.begin();
            assertTrue(Long.parseLong(after.substring(4)) > Long.parseLong(before.substring(4)), before + " " + after);
        }
    }
}
