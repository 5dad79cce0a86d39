package flymq.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeyPartitionerTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "a,        E40C292C, 0, 1, 0, 4, 4",
            "user-123, 8C93CC93, 1, 2, 3, 5, 3",
            "user-456, 58E2C8F4, 0, 2, 0, 2, 4",
            "order-42, 572446F4, 0, 2, 0, 2, 4",
            "key-0,    58E035D9, 1, 0, 1, 3, 1"})
    void keyedPartitionMatchesTheSpecVectors(String key, String hash, int mod2, int mod3, int mod4, int mod6,
                                             int mod8) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        assertEquals(Integer.parseUnsignedInt(hash, 16), KeyPartitioner.fnv1a32(k));
        assertEquals(mod2, KeyPartitioner.forKey(k, 2));
        assertEquals(mod3, KeyPartitioner.forKey(k, 3));
        assertEquals(mod4, KeyPartitioner.forKey(k, 4));
        assertEquals(mod6, KeyPartitioner.forKey(k, 6));
        assertEquals(mod8, KeyPartitioner.forKey(k, 8));
    }
}
