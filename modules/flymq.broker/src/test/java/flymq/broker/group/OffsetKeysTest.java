package flymq.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class OffsetKeysTest {

    @Test
    void offsetKeysRoundTripEvenWithSeparatorsInNames() {
        OffsetKeys.Parsed p = OffsetKeys.parse(OffsetKeys.offsetKey("we|ird|7", "g|1", 12));
        assertEquals(new OffsetKeys.Parsed(true, "we|ird|7", 12, "g|1"), p);
    }

    @Test
    void groupKeysRoundTrip() {
        assertEquals(new OffsetKeys.Parsed(false, "orders", -1, ""),
                OffsetKeys.parse(OffsetKeys.groupKey("orders", "")));
    }

    @Test
    void foreignKeysAreIgnored() {
        assertNull(OffsetKeys.parse("x|3|abc|d"));
        assertNull(OffsetKeys.parse("o|99|abc|1|g"));
        assertNull(OffsetKeys.parse(""));
    }
}
