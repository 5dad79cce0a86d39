package flymq.broker;

import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener contract seen from outside the broker's module, through a Mockito mock of the exported interface. */
class ListenerMockTest {
    @TempDir
    Path dir;

    @Test
    void aMemberThatDisconnectsLeavesItsGroupAfterJoining() throws Exception {
        BrokerListener listener = mock(BrokerListener.class);
        try (TestBroker b = TestBroker.start(dir, listener)) {
            try (WireClient c = b.client()) {
                c.produce("orders", "k", "value", -1);
                c.subscribe("orders", "billing", 0, "earliest");
            }
            verify(listener, timeout(10_000)).memberLeft("billing", "orders");
            var order = inOrder(listener);
            order.verify(listener).connectionOpened();
            order.verify(listener).produced(eq("orders"), eq(0), eq(1), eq(6L), anyLong());
            order.verify(listener).memberJoined("billing", "orders");
            order.verify(listener).memberLeft("billing", "orders");
        }
    }
}
