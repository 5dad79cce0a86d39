package flymq.broker.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.server.Session;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private final LoginThrottle throttle = new LoginThrottle();

    @Test
    void eachFailureOnAConnectionWaitsLongerAndTheSixthTryIsRefused() {
        Session s = new Session("/10.0.0.1:5000");
        long now = 1_000_000;
        assertEquals(0, throttle.failed(s, now));
        assertEquals(250, throttle.failed(s, now));
        assertEquals(500, throttle.failed(s, now));
        assertEquals(750, throttle.failed(s, now));
        assertNull(throttle.refusal(s, now));
        assertEquals(1000, throttle.failed(s, now));
        String refusal = throttle.refusal(s, now);
        assertNotNull(refusal);
        assertTrue(refusal.contains("reconnect"), refusal);
        assertNull(throttle.refusal(new Session("/10.0.0.1:5001"), now), "another connection may still try");
    }

    @Test
    void theDelayStopsGrowingAtTwoSeconds() {
        Session s = new Session("/10.0.0.2:5000");
        long last = 0;
        for (int i = 0; i < 12; i++) {
            last = throttle.failed(s, 0);
        }
        assertEquals(LoginThrottle.MAX_DELAY_MS, last);
    }

    @Test
    void twentyFailuresFromOneAddressRefuseItUntilTheWindowEnds() {
        long start = 5_000_000;
        for (int i = 0; i < LoginThrottle.MAX_PER_ADDRESS; i++) {
            Session s = new Session("/10.0.0.3:" + (6000 + i));
            assertNull(throttle.refusal(s, start + i));
            throttle.failed(s, start + i);
        }
        Session fresh = new Session("/10.0.0.3:7000");
        String refusal = throttle.refusal(fresh, start + 1000);
        assertNotNull(refusal);
        assertTrue(refusal.contains("10.0.0.3") && refusal.contains("try again in 59 s"), refusal);
        assertNull(throttle.refusal(new Session("/10.0.0.4:7000"), start + 1000), "other addresses are not held");
        assertNull(throttle.refusal(fresh, start + LoginThrottle.WINDOW_MS), "the window ended");
    }

    @Test
    void aSuccessResetsTheConnectionsCount() {
        Session s = new Session("/10.0.0.5:5000");
        throttle.failed(s, 0);
        throttle.failed(s, 0);
        throttle.succeeded(s);
        assertEquals(0, throttle.failed(s, 0));
    }
}
