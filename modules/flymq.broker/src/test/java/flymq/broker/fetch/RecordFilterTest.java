package flymq.broker.fetch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecordFilterTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void emptyFilterMatchesEverything() {
        assertTrue(RecordFilter.compile("").matches(new byte[0], b("x")));
    }

    @Test
    void substringIsCaseInsensitiveOnValueAndKey() {
        RecordFilter f = RecordFilter.compile("ERROR");
        assertTrue(f.matches(new byte[0], b("an error happened")));
        assertTrue(f.matches(b("error-key"), b("fine")));
        assertFalse(f.matches(b("k"), b("all good")));
    }

    @Test
    void regexIsFoundInValueOrKey() {
        RecordFilter f = RecordFilter.compile("id=\\d{3}$");
        assertTrue(f.matches(new byte[0], b("order id=123")));
        assertFalse(f.matches(new byte[0], b("order id=12")));
    }

    @Test
    void invalidRegexFallsBackToSubstringOnly() {
        RecordFilter f = RecordFilter.compile("a[b");
        assertTrue(f.matches(new byte[0], b("xa[by")));
        assertFalse(f.matches(new byte[0], b("ab")));
    }

    @Test
    void jsonPathMatchesWhenTheDottedPathExists() {
        RecordFilter f = RecordFilter.compile("$.order.id");
        assertTrue(f.matches(new byte[0], b("{\"order\": {\"id\": 7}}")));
        assertFalse(f.matches(new byte[0], b("{\"order\": {\"ref\": 7}}")));
        assertFalse(f.matches(new byte[0], b("{\"order\": 5}")));
        assertFalse(f.matches(new byte[0], b("[1, 2]")));
        assertFalse(f.matches(new byte[0], b("{broken")));
    }

    @Test
    void jsonPathFilterStillMatchesAsSubstring() {
        assertTrue(RecordFilter.compile("$.x").matches(new byte[0], b("cost: $.x")));
    }
}
