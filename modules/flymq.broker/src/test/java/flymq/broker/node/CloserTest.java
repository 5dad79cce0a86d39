package flymq.broker.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloserTest {
    private final List<String> closed = new ArrayList<>();

    private AutoCloseable named(String name) {
        return () -> closed.add(name);
    }

    private AutoCloseable failing(String name) {
        return () -> {
            closed.add(name);
            throw new IllegalStateException(name + " failed");
        };
    }

    @Test
    void closesInReverseOrderOfOpening() {
        Closer c = new Closer();
        c.push(named("lock"));
        c.push(named("logs"));
        c.push(named("server"));

        c.close();

        assertEquals(List.of("server", "logs", "lock"), closed);
    }

    @Test
    void closesEverythingWhenOneFailsAndThrowsTheFirstFailure() {
        Closer c = new Closer();
        c.push(failing("lock"));
        c.push(named("logs"));
        c.push(failing("server"));

        IllegalStateException e = assertThrows(IllegalStateException.class, c::close);

        assertEquals(List.of("server", "logs", "lock"), closed);
        assertEquals("server failed", e.getMessage());
        assertEquals("lock failed", e.getSuppressed()[0].getMessage());
    }

    @Test
    void closeAfterAFailedStartKeepsTheCauseAndAttachesCloseFailures() {
        Closer c = new Closer();
        c.push(named("lock"));
        c.push(failing("logs"));
        RuntimeException cause = new RuntimeException("port in use");

        assertSame(cause, c.closeAfter(cause));

        assertEquals(List.of("logs", "lock"), closed);
        assertArrayEquals(new String[] {"logs failed"},
                Arrays.stream(cause.getSuppressed()).map(Throwable::getMessage).toArray());
    }

    @Test
    void closesEachResourceOnce() {
        Closer c = new Closer();
        c.push(named("lock"));
        c.close();
        c.close();

        assertEquals(List.of("lock"), closed);
    }
}
