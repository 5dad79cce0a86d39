package flymq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class StartupTrainingTest {
    @Test
    void commandsAreSeparatedByDoubleBars() {
        assertEquals(List.of(List.of("topic", "list", "--server=h:1"), List.of("health", "check")),
                StartupTraining.split("topic", "list", "--server=h:1", "||", "health", "check", "||"));
        assertEquals(List.of(), StartupTraining.split());
    }
}
