package flymq.broker.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {
    private final PasswordHasher hasher = new PasswordHasher(1000);

    @Test
    void aHashVerifiesItsPasswordAndNoOther() {
        String h = hasher.hash("correct horse");
        assertTrue(hasher.verify("correct horse", h));
        assertFalse(hasher.verify("correct hors", h));
        assertFalse(hasher.verify("", h));
    }

    @Test
    void theStoredFormNamesTheFunctionAndIterationsAndSaltsEachHash() {
        String a = hasher.hash("p w!");
        String b = hasher.hash("p w!");
        assertNotEquals(a, b, "a fresh salt per hash");
        String[] parts = a.split("\\$");
        assertEquals(4, parts.length);
        assertEquals("pbkdf2-sha256", parts[0]);
        assertEquals("1000", parts[1]);
        assertEquals(32, java.util.Base64.getDecoder().decode(parts[3]).length);
        // a space and '!' are outside base64: the password could not appear by chance in the salt or hash
        assertFalse(a.contains("p w!"), "the password itself is stored");
    }

    @Test
    void storedHashesKeepTheirIterationCountWhenTheSettingChanges() {
        String old = hasher.hash("pw");
        assertTrue(new PasswordHasher(2000).verify("pw", old));
    }

    @Test
    void anUnknownUsersCheckDerivesAsManyRoundsAsARealOne() {
        String[] nobody = hasher.nobodyHash().split("\\$");
        String[] real = hasher.hash("pw").split("\\$");
        assertEquals(real.length, nobody.length);
        assertEquals(real[0], nobody[0]);
        assertEquals(real[1], nobody[1], "the same iteration count, so the same time");
        assertEquals(java.util.Base64.getDecoder().decode(real[2]).length,
                java.util.Base64.getDecoder().decode(nobody[2]).length);
        assertNotEquals(hasher.nobodyHash(), new PasswordHasher(1000).nobodyHash(), "a fresh salt per hasher");
        assertFalse(hasher.verify("not a password", hasher.nobodyHash()), "no password matches it");
    }

    @Test
    void valuesThatAreNotOurHashesNeverVerify() {
        assertFalse(hasher.verify("pw", "pw"));
        assertFalse(hasher.verify("pw", "bcrypt$10$abc$def"));
        assertFalse(hasher.verify("pw", "pbkdf2-sha256$notanumber$AAAA$AAAA"));
        assertFalse(hasher.verify("pw", "pbkdf2-sha256$0$AAAA$AAAA"));
        assertThrows(IllegalArgumentException.class, () -> hasher.hash(""));
    }
}
