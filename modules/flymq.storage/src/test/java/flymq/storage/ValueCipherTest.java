package flymq.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.record.StoredRecordLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ValueCipherTest {

    private static final EncryptionKey KEY = EncryptionKey.of(new byte[32]);
    private static final byte[] VALUE = "hello".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RECORD_KEY = "k".getBytes(StandardCharsets.US_ASCII);

    @Test
    void aSealedValueOpensToTheValueAndIsTheEnvelopeLonger() {
        ValueCipher cipher = new ValueCipher(KEY);
        byte[] sealed = cipher.sealer().seal(VALUE, 7, 1000, RECORD_KEY);
        assertEquals(VALUE.length + StoredRecordLayout.ENCRYPTED_VALUE_OVERHEAD, sealed.length);
        assertArrayEquals(VALUE, cipher.opener("t-0").open(sealed, 7, 1000, RECORD_KEY));
    }

    @Test
    void theSameValueSealsDifferentlyEachTime() {
        ValueCipher.Sealer sealer = new ValueCipher(KEY).sealer();
        assertFalse(Arrays.equals(sealer.seal(VALUE, 7, 1000, null), sealer.seal(VALUE, 7, 1000, null)));
    }

    @Test
    void anotherProcessWithItsOwnSaltOpensWhatThisOneSealed() {
        byte[] sealed = new ValueCipher(KEY, 1).sealer().seal(VALUE, 7, 1000, null);
        assertArrayEquals(VALUE, new ValueCipher(KEY, 2).opener("t-0").open(sealed, 7, 1000, null));
    }

    @Test
    void aValueMovedToAnotherOffsetTimestampOrKeyFailsAuthentication() {
        ValueCipher cipher = new ValueCipher(KEY);
        byte[] sealed = cipher.sealer().seal(VALUE, 7, 1000, RECORD_KEY);
        ValueCipher.Opener opener = cipher.opener("t-0");
        for (Runnable moved : new Runnable[] {
                () -> opener.open(sealed, 8, 1000, RECORD_KEY),
                () -> opener.open(sealed, 7, 1001, RECORD_KEY),
                () -> opener.open(sealed, 7, 1000, null)}) {
            EncryptionException e = assertThrows(EncryptionException.class, moved::run);
            assertTrue(e.getMessage().contains("fails authentication"), e.getMessage());
        }
    }

    @Test
    void aFlippedCiphertextBitFailsAuthentication() {
        ValueCipher cipher = new ValueCipher(KEY);
        byte[] sealed = cipher.sealer().seal(VALUE, 7, 1000, null);
        sealed[sealed.length - 20] ^= 1;
        assertThrows(EncryptionException.class, () -> cipher.opener("t-0").open(sealed, 7, 1000, null));
    }

    @Test
    void aValueSealedUnderAnotherKeyIsNamedAWrongKey() {
        byte[] sealed = new ValueCipher(KEY).sealer().seal(VALUE, 7, 1000, null);
        byte[] other = new byte[32];
        other[0] = 1;
        EncryptionException e = assertThrows(EncryptionException.class,
                () -> new ValueCipher(EncryptionKey.of(other)).opener("t-0").open(sealed, 7, 1000, null));
        assertTrue(e.getMessage().contains("wrong encryption key"), e.getMessage());
        assertTrue(e.getMessage().contains(KEY.idHex()), e.getMessage());
    }

    @Test
    void aKeyIsSixtyFourHexCharactersAndTheMessageNeverShowsIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EncryptionKey.fromHex("abcd", "FLYMQ_ENCRYPTION_KEY"));
        assertTrue(e.getMessage().contains("FLYMQ_ENCRYPTION_KEY") && !e.getMessage().contains("abcd"));
        assertThrows(IllegalArgumentException.class, () -> EncryptionKey.fromHex("z".repeat(64), "file"));
        assertEquals(KEY, EncryptionKey.fromHex(" " + "00".repeat(32) + "\n", "file"));
    }
}
