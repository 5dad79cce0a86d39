package flymq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class FlyMqTest {

    @Test
    void versionNamesTheBuiltVersion() {
        var out = new StringWriter();
        var cmd = FlyMq.commandLine();
        cmd.setOut(new PrintWriter(out));
        assertEquals(0, cmd.execute("--version"));
        assertTrue(out.toString().matches("flymq \\d+\\.\\d+\\.\\d+.*\\R"), out.toString());
    }

    @Test
    void unknownOptionIsAUsageError() {
        var cmd = FlyMq.commandLine();
        cmd.setErr(new PrintWriter(new StringWriter()));
        assertEquals(2, cmd.execute("--no-such-flag"));
    }
}
