package flymq.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesCompactlyKeepingKeyOrder() {
        assertEquals("{\"b\":1,\"a\":[true,null,\"x\"]}",
                Json.write(Json.object("b", 1, "a", java.util.Arrays.asList(true, null, "x"))));
    }

    @Test
    void escapesControlCharactersAndQuotes() {
        assertEquals("\"a\\\"b\\n\\u0001\"", Json.write("a\"b\n\u0001"));
    }

    @Test
    void roundTrips() {
        var doc = Map.of("k", List.of(1L, 2.5, "s", false), "n", Map.of());
        assertEquals(doc, Json.parse(Json.write(doc)));
    }

    @Test
    void rejectsTrailingGarbageWithThePosition() {
        var e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{} x"));
        assertEquals("bad JSON at character 3: trailing characters", e.getMessage());
    }

    @Test
    void tableAlignsColumnsAndRightAlignsNumbers() {
        var t = Table.of("TOPIC", "PARTITIONS").numeric(1).row("orders", 3).row("a", 12);
        assertEquals(List.of("TOPIC   PARTITIONS", "orders           3", "a               12"), t.lines());
    }
}
