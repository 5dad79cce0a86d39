package flymq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PositionTest {

    @Test
    void namedPositions() {
        assertEquals(Position.Kind.EARLIEST, Position.parse("earliest").kind());
        assertEquals(Position.Kind.LATEST, Position.parse("LATEST").kind());
        assertEquals(Position.Kind.COMMIT, Position.parse("commit").kind());
    }

    @Test
    void smallNumbersAreOffsets() {
        assertEquals(new Position(Position.Kind.OFFSET, 42), Position.parse("42"));
        assertEquals(new Position(Position.Kind.OFFSET, 999_999_999_999L), Position.parse("999999999999"));
    }

    @Test
    void numbersFromTenToTheTwelfthAreUnixMillis() {
        assertEquals(new Position(Position.Kind.TIMESTAMP, 1_764_240_000_000L), Position.parse("1764240000000"));
    }

    @Test
    void isoInstantsAndDatesAreTimes() {
        assertEquals(new Position(Position.Kind.TIMESTAMP, 1_764_244_800_000L),
                Position.parse("2025-11-27T12:00:00Z"));
        assertEquals(new Position(Position.Kind.TIMESTAMP, 1_764_201_600_000L), Position.parse("2025-11-27"));
    }

    @Test
    void anythingElseIsRejected() {
        assertThrows(picocli.CommandLine.TypeConversionException.class, () -> Position.parse("-1"));
        assertThrows(picocli.CommandLine.TypeConversionException.class, () -> Position.parse("soon"));
    }
}
