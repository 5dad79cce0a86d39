package flymq.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AcksTest {
    @Test
    void wireBytesAreThoseOfBatchProduce() {
        assertEquals(0, Acks.NONE.code());
        assertEquals(1, Acks.LEADER.code());
        assertEquals(2, Acks.ALL.code());
        for (Acks a : Acks.values()) {
            assertEquals(a, Acks.fromCode(a.code()));
        }
    }

    @Test
    void anyOtherByteIsRefusedWithTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Acks.fromCode(3));
        assertEquals("unknown acks 3 (0 none, 1 leader, 2 all)", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"none, NONE", "0, NONE", "leader, LEADER", "1, LEADER", "all, ALL", "-1, ALL", "ALL, ALL",
        "' Leader ', LEADER"})
    void parsesOurNamesAndKafkasNumbersInAnyCase(String text, Acks expected) {
        assertEquals(expected, Acks.parse(text));
    }

    @Test
    void spellingIsWhatParseReadsBack() {
        for (Acks a : Acks.values()) {
            assertEquals(a, Acks.parse(a.spelling()));
        }
    }

    @Test
    void unknownSpellingNamesTheAcceptedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Acks.parse("2"));
        assertTrue(e.getMessage().contains(Acks.SPELLINGS), e.getMessage());
        assertTrue(e.getMessage().contains("'2'"), e.getMessage());
    }
}
